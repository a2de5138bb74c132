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

/**
 * Tells whether a query failed because its connection went away. A FATAL
 * or PANIC error from the server (such as 57P01 at a shutdown) always ends
 * the session.
 */
export function isConnectionLost(error: unknown): boolean {
  const { code, severity } = (error ?? {}) as { code?: unknown; severity?: unknown };
  if (typeof code === "string" && lostConnectionCodes.has(code)) return true;
  return severity === "FATAL" || severity === "PANIC";
}

/**
 * Runs `work` in `client.begin()`, but never lets the transaction scope
 * send ROLLBACK or COMMIT once one of its queries lost the connection.
 *
 * postgres 3.4.10 sends that ROLLBACK on the closed connection: the write
 * is queued with setImmediate and then calls `write` on a null socket, an
 * uncaught TypeError that ends the process. When the pool has reconnected
 * first, the ROLLBACK instead lands in another session. So after a lost
 * connection the work promise stays pending, and `begin()` rejects with the
 * close error that the driver raises for every open transaction when its
 * connection closes.
 */
export async function runPostgresTransaction<T>(
  client: postgres.Sql,
  work: (tx: SqlRunner) => Promise<T>,
): Promise<T> {
  const result = await client.begin(async (tx) => {
    let lost: unknown;
    const runner: SqlRunner = {
      async query<R extends Row>(text: string, params: readonly unknown[] = []) {
        // A query after the loss would reach the same dead connection.
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
    try {
      return await work(runner);
    } catch (error) {
      if (lost === undefined) throw error;
      // NOTE: this promise and its closures stay pending for good, one per transaction that
      // lost its connection; begin() has already rejected, so nothing waits on it.
      return new Promise<never>(() => {});
    }
  });
  return result as T;
}
