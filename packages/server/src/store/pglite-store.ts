import { mkdir } from "node:fs/promises";
import { drizzle } from "drizzle-orm/pg-proxy";
import { isMemoryDataDir } from "../config.ts";
import { type DataDirLock, lockDataDir } from "./data-dir-lock.ts";
import { migrationsFolder } from "./migrations.ts";
import { PgliteWorkerClient } from "./pglite-worker-client.ts";
import * as schema from "./schema.ts";
import type { Database, Row, SqlRunner, Store } from "./store.ts";

/** A PGlite store, with a way to end its worker thread abruptly in tests. */
export interface PgliteStore extends Store {
  /** Ends the worker thread without closing PGlite, as a crash of the thread would. */
  terminateWorker(): Promise<void>;
}

/**
 * Opens embedded PGlite in `dataDir` (created when missing; `memory://`
 * keeps it in memory) and applies the migrations. PGlite runs in a worker
 * thread on one connection, so its WebAssembly work leaves this thread's
 * event loop free and its transactions never overlap. A folder is locked
 * to one process; see {@link lockDataDir}.
 */
export async function openPgliteStore(dataDir: string): Promise<PgliteStore> {
  const inMemory = isMemoryDataDir(dataDir);
  let lock: DataDirLock | undefined;
  if (!inMemory) {
    await mkdir(dataDir, { recursive: true });
    lock = await lockDataDir(dataDir);
  }
  try {
    const worker = await PgliteWorkerClient.start({
      dataDir: inMemory ? undefined : dataDir,
      migrationsFolder,
    });
    return createPgliteStore(worker, lock);
  } catch (error) {
    await lock?.release();
    throw error;
  }
}

function createPgliteStore(worker: PgliteWorkerClient, lock: DataDirLock | undefined): PgliteStore {
  let closing: Promise<void> | undefined;
  const runner = (transactionId?: number): SqlRunner => ({
    async query<R extends Row>(text: string, params: readonly unknown[] = []) {
      const rows = await worker.request({ op: "query", text, params: [...params], transactionId });
      return rows as R[];
    },
  });

  return {
    kind: "pglite",
    db: createDrizzleProxy(worker),
    query: runner().query,
    async transaction(work) {
      const transactionId = (await worker.request({ op: "begin" })) as number;
      let result: Awaited<ReturnType<typeof work>>;
      try {
        result = await work(runner(transactionId));
      } catch (error) {
        // The rollback's own failure (a dead worker) matters less than why `work` failed.
        await worker.request({ op: "rollback", transactionId }).catch(() => {});
        throw error;
      }
      await worker.request({ op: "commit", transactionId });
      return result;
    },
    close() {
      closing ??= (async () => {
        try {
          await worker.close();
        } finally {
          await lock?.release();
        }
      })();
      return closing;
    },
    terminateWorker: () => worker.terminate(),
  };
}

/**
 * Builds drizzle over the worker with drizzle's pg-proxy driver: each
 * statement is one `query` request, in array row mode when drizzle maps
 * the columns itself.
 */
function createDrizzleProxy(worker: PgliteWorkerClient): Database {
  // NOTE: pg-proxy (drizzle-orm 0.45) throws on `db.transaction`, so code that
  // needs a transaction on both stores uses `Store.transaction` with SQL.
  const db = drizzle(
    async (text, params, method) => {
      const rowMode = method === "all" ? "array" : "object";
      const rows = await worker.request({ op: "query", text, params, rowMode });
      return { rows: rows as unknown[] };
    },
    { schema },
  );
  return db as unknown as Database;
}
