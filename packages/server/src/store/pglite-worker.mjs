// @ts-check
/**
 * The PGlite worker thread: opens embedded Postgres here, applies the
 * drizzle migrations, and serves the requests that pglite-worker-client.ts
 * sends, so WebAssembly query work runs off the server's main thread.
 *
 * This file is plain ESM JavaScript that imports only packages, because a
 * Worker does not get the TypeScript loader under every runner (tsx,
 * vitest, the bench's child processes). The message shapes are declared in
 * pglite-worker-messages.ts.
 *
 * @typedef {import("./pglite-worker-messages.ts").WorkerRequest} WorkerRequest
 * @typedef {import("./pglite-worker-messages.ts").WorkerStatus} WorkerStatus
 * @typedef {import("./pglite-worker-messages.ts").WorkerOptions} WorkerOptions
 * @typedef {import("./pglite-worker-messages.ts").SerializedError} SerializedError
 * @typedef {import("@electric-sql/pglite").Transaction} Transaction
 */
import { parentPort, workerData } from "node:worker_threads";
import { PGlite, types } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";

/**
 * Parsers that keep date and time values as Postgres text for drizzle
 * queries, as drizzle-orm's own PGlite driver does, so drizzle's column
 * mappers receive the input they expect. The numbers are the array OIDs
 * of numeric, timestamp, timestamptz, interval and date.
 */
const drizzleParsers = Object.fromEntries(
  [
    types.TIMESTAMP,
    types.TIMESTAMPTZ,
    types.INTERVAL,
    types.DATE,
    1231,
    1115,
    1185,
    1187,
    1182,
  ].map((oid) => [oid, (/** @type {string} */ value) => value]),
);

/** The fields of a Postgres error that cross to the main thread, besides name and message. */
const errorFields = [
  "code",
  "severity",
  "detail",
  "hint",
  "position",
  "where",
  "schema",
  "table",
  "column",
  "dataType",
  "constraint",
  "routine",
  "query",
];

/**
 * An open transaction: PGlite's transaction callback stays pending until
 * `finish` settles it, so COMMIT or ROLLBACK runs when the main thread requests it.
 *
 * @typedef {object} OpenTransaction
 * @property {Transaction} tx
 * @property {(commit: boolean) => void} finish
 * @property {Promise<void>} ended resolves after COMMIT, rejects with the COMMIT or ROLLBACK error
 */

/** Thrown into PGlite's transaction callback to make it roll back. */
const rollbackSignal = new Error("rollback requested");

const port = parentPort;
if (port === null) throw new Error("pglite-worker.mjs must run in a worker thread.");

/** @type {WorkerOptions} */
const options = workerData;
/** @type {Map<number, OpenTransaction>} */
const transactions = new Map();
let nextTransactionId = 1;
/** @type {PGlite | undefined} */
let client;

try {
  client = await PGlite.create(options.dataDir);
  await migrate(drizzle({ client }), { migrationsFolder: options.migrationsFolder });
  post({ type: "ready" });
} catch (error) {
  await client?.close().catch(() => {});
  post({ type: "failed", error: serializeError(error) });
  port.close();
}

if (client !== undefined && !client.closed) {
  const db = client;
  port.on("message", (/** @type {WorkerRequest} */ request) => {
    handle(db, request).then(
      (value) => post({ type: "reply", id: request.id, ok: true, value }),
      (error) => post({ type: "reply", id: request.id, ok: false, error: serializeError(error) }),
    );
  });
}

/**
 * Runs one request against the database.
 *
 * @param {PGlite} db
 * @param {WorkerRequest} request
 * @returns {Promise<unknown>}
 */
async function handle(db, request) {
  switch (request.op) {
    case "query": {
      const target = request.transactionId === undefined ? db : openTransaction(request).tx;
      const config =
        request.rowMode === undefined
          ? undefined
          : { rowMode: request.rowMode, parsers: drizzleParsers };
      const result = await target.query(request.text, request.params, config);
      return result.rows;
    }
    case "begin":
      return begin(db);
    case "commit":
    case "rollback": {
      const open = openTransaction(request);
      transactions.delete(request.transactionId);
      open.finish(request.op === "commit");
      await open.ended;
      return undefined;
    }
    case "close":
      await close(db);
      return undefined;
  }
}

/**
 * Opens a PGlite transaction and keeps it open. PGlite queues it behind
 * any running transaction or query, so the returned promise resolves only
 * once BEGIN has run.
 *
 * @param {PGlite} db
 * @returns {Promise<number>} the id that later requests name the transaction by
 */
function begin(db) {
  return new Promise((resolveBegin, rejectBegin) => {
    const transactionId = nextTransactionId++;
    const ended = db.transaction(
      (tx) =>
        new Promise((commit, rollback) => {
          transactions.set(transactionId, {
            tx,
            finish: (shouldCommit) => (shouldCommit ? commit(undefined) : rollback(rollbackSignal)),
            ended: ended.catch((error) => {
              if (error !== rollbackSignal) throw error;
            }),
          });
          resolveBegin(transactionId);
        }),
    );
    // A BEGIN that fails never calls the callback, so the caller learns of it here.
    ended.catch((error) => {
      if (!transactions.has(transactionId)) rejectBegin(error);
    });
  });
}

/**
 * Finds the transaction a request names.
 *
 * @param {{ transactionId?: number | undefined }} request
 * @returns {OpenTransaction}
 */
function openTransaction(request) {
  const open =
    request.transactionId === undefined ? undefined : transactions.get(request.transactionId);
  if (open === undefined) {
    throw new Error(`Transaction ${request.transactionId} is not open in the PGlite worker.`);
  }
  return open;
}

/**
 * Rolls back what is still open, closes PGlite and lets the thread end.
 * PGlite's close waits for running queries, so no statement is cut off.
 *
 * @param {PGlite} db
 */
async function close(db) {
  for (const [transactionId, open] of transactions) {
    transactions.delete(transactionId);
    open.finish(false);
    await open.ended.catch(() => {});
  }
  if (!db.closed) await db.close();
  port?.removeAllListeners("message");
  // Closing the port after this reply is posted leaves the thread nothing to wait on.
  setImmediate(() => port?.close());
}

/**
 * Copies an error into plain data, keeping its SQLSTATE `code` and the
 * other Postgres fields. The query's parameters stay behind, because they
 * can contain message text.
 *
 * @param {unknown} error
 * @returns {SerializedError}
 */
function serializeError(error) {
  if (!(error instanceof Error)) return { name: "Error", message: String(error), fields: {} };
  /** @type {Record<string, string | number>} */
  const fields = {};
  const source = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (error));
  for (const field of errorFields) {
    const value = source[field];
    if (typeof value === "string" || typeof value === "number") fields[field] = value;
  }
  return { name: error.name, message: error.message, fields };
}

/** @param {WorkerStatus} message */
function post(message) {
  port?.postMessage(message);
}
