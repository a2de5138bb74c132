import type postgres from "postgres";
import type { Row, SqlRunner } from "./store.ts";

/**
 * Driver codes and socket errors after which the connection is closed or
 * about to close. postgres.js raises CONNECTION_* from its close and
 * terminate handlers, and Node emits "close" after every socket error.
 */
const lostConnectionCodes = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
]);

/** Causes followed when looking for the driver error, as drizzle wraps it in its own. */
const maxCauseDepth = 3;

/**
 * Tells whether a query failed because its connection went away, looking
 * through wrapping errors' `cause`. A FATAL or PANIC error from the server
 * (such as 57P01 at a shutdown) always ends the session.
 */
export function isConnectionLost(error: unknown): boolean {
  let current = error;
  for (let depth = 0; depth <= maxCauseDepth && current instanceof Error; depth++) {
    const { code, severity } = current as { code?: unknown; severity?: unknown };
    if (typeof code === "string" && lostConnectionCodes.has(code)) return true;
    if (severity === "FATAL" || severity === "PANIC") return true;
    current = current.cause;
  }
  return false;
}

/*
 * postgres 3.4.10 sends ROLLBACK when the callback of `begin()` rejects,
 * even when the connection has just closed. That write is queued with
 * setImmediate and then calls `write` on a null socket, an uncaught
 * TypeError that ends the process. The driver already rejects `begin()`
 * with the close error of the connection, so after a lost connection the
 * callback below stays pending and the driver sends nothing more.
 */

/** Runs `work` inside `client.begin()`. `wasLost` reports a loss whose error `work` may have replaced. */
async function beginGuarded<T>(
  client: postgres.Sql,
  options: string,
  work: (tx: postgres.TransactionSql) => Promise<T>,
  wasLost: () => boolean = () => false,
): Promise<T> {
  const result = await client.begin(options, async (tx) => {
    try {
      return await work(tx);
    } catch (error) {
      if (!wasLost() && !isConnectionLost(error)) throw error;
      // NOTE: this promise and its closures stay pending for good, one per transaction that
      // lost its connection. begin() has already rejected, so nothing waits on it.
      return new Promise<never>(() => {});
    }
  });
  return result as T;
}

/**
 * Runs `work` in a transaction through a SqlRunner. After one query lost
 * the connection, the next ones throw that error without reaching the
 * driver, so the transaction sends nothing more to the closed connection.
 */
export function runPostgresTransaction<T>(
  client: postgres.Sql,
  work: (tx: SqlRunner) => Promise<T>,
): Promise<T> {
  let lost: unknown;
  return beginGuarded(
    client,
    "",
    (tx) => {
      const runner: SqlRunner = {
        async query<R extends Row>(text: string, params: readonly unknown[] = []) {
          if (lost !== undefined) throw lost;
          try {
            const rows = await tx.unsafe(text, params as postgres.ParameterOrJSON<never>[]);
            return rows as unknown as R[];
          } catch (error) {
            if (isConnectionLost(error)) lost ??= error;
            throw error;
          }
        },
      };
      return work(runner);
    },
    () => lost !== undefined,
  );
}

/**
 * Wraps a postgres.js client so that its `begin()` stays silent after a
 * lost connection, for drizzle, which calls `begin()` itself. Every other
 * property is the client's own.
 */
export function guardBegin(client: postgres.Sql): postgres.Sql {
  const begin = (
    optionsOrWork: string | ((tx: postgres.TransactionSql) => Promise<unknown>),
    maybeWork?: (tx: postgres.TransactionSql) => Promise<unknown>,
  ) => {
    const options = typeof optionsOrWork === "string" ? optionsOrWork : "";
    const work = typeof optionsOrWork === "string" ? maybeWork : optionsOrWork;
    if (work === undefined) throw new TypeError("begin() was called without a callback.");
    return beginGuarded(client, options, work);
  };
  return new Proxy(client, {
    get: (target, property, receiver) =>
      property === "begin" ? begin : Reflect.get(target, property, receiver),
  });
}
