import postgres from "postgres";
import { testDatabaseUrl } from "./postgres.ts";

/** A Postgres outage confined to one database, for fault tests. */
export interface StoreOutage {
  /** Ends every connection to the database without blocking new ones. */
  dropConnections(): Promise<void>;
  /** Blocks new connections to the database, then ends the existing ones. */
  begin(): Promise<void>;
  /** Allows connections again. */
  end(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Simulates the loss of the store for the database at `databaseUrl` only:
 * `pg_terminate_backend` ends its sessions and `ALLOW_CONNECTIONS false`
 * refuses new ones. The Postgres server itself keeps running for everyone else.
 */
export function createStoreOutage(databaseUrl: string): StoreOutage {
  if (testDatabaseUrl === undefined) throw new Error("TEST_DATABASE_URL is not set.");
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  const admin = postgres(testDatabaseUrl, { max: 1, onnotice: () => {} });
  const quoted = `"${name.replaceAll('"', '""')}"`;

  const dropConnections = async () => {
    await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = ${name} AND pid <> pg_backend_pid()`;
  };
  return {
    dropConnections,
    async begin() {
      await admin.unsafe(`ALTER DATABASE ${quoted} ALLOW_CONNECTIONS false`);
      await dropConnections();
    },
    async end() {
      await admin.unsafe(`ALTER DATABASE ${quoted} ALLOW_CONNECTIONS true`);
    },
    close: () => admin.end(),
  };
}
