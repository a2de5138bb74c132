import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { migrationLockKey, migrationsFolder } from "./migrations.ts";
import { guardBegin, runPostgresTransaction } from "./postgres-transaction.ts";
import * as schema from "./schema.ts";
import type { Database, Row, SqlRunner, Store } from "./store.ts";

/** Connections in the pool of one server process. */
const poolSize = 10;

/** Maximum wait before a pooled connection reconnects after a socket error, in seconds. */
const maxReconnectDelaySeconds = 1;

/**
 * Returns the wait before a reconnect, in seconds, from the pool's count of
 * socket errors since its last successful connection. The driver's default
 * grows to 10 to 20 s (postgres 3.4.10), and queries wait for that reconnect,
 * so after a short Postgres restart requests would hang instead of getting a
 * quick 503 and then succeeding. Half to all of the doubling keeps the pool's
 * connections from retrying in step.
 */
function reconnectDelaySeconds(errors: number): number {
  const doubling = Math.min(0.05 * 2 ** errors, maxReconnectDelaySeconds);
  return doubling * (0.5 + Math.random() / 2);
}

/**
 * Connects to Postgres, applies the migrations under an advisory lock, and
 * returns a store over a pool of connections.
 */
export async function openPostgresStore(url: string): Promise<Store> {
  await migrateWithLock(url);
  const client = postgres(url, {
    max: poolSize,
    onnotice: () => {},
    backoff: reconnectDelaySeconds,
  });
  const db = drizzle({ client: guardBegin(client), schema }) as unknown as Database;
  let closing: Promise<void> | undefined;
  const runner = (target: postgres.Sql): SqlRunner => ({
    async query<R extends Row>(text: string, params: readonly unknown[] = []) {
      const rows = await target.unsafe(text, params as postgres.ParameterOrJSON<never>[]);
      return rows as unknown as R[];
    },
  });

  return {
    kind: "postgres",
    db,
    query: runner(client).query,
    transaction: (work) => runPostgresTransaction(client, work),
    close() {
      closing ??= client.end({ timeout: 5 });
      return closing;
    },
  };
}

/**
 * Runs drizzle's migrator on a single connection that holds a session
 * advisory lock, so only one node migrates at a time and the others then
 * find the work done.
 */
async function migrateWithLock(url: string): Promise<void> {
  const client = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await client`SELECT pg_advisory_lock(${migrationLockKey})`;
    await migrate(drizzle({ client }), { migrationsFolder });
    await client`SELECT pg_advisory_unlock(${migrationLockKey})`;
  } finally {
    await client.end({ timeout: 5 });
  }
}
