import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type * as schema from "./schema.ts";

/** The database engine of a store. */
export type StoreKind = "pglite" | "postgres";

/** A row as a driver returns it: column name to value. */
export type Row = Record<string, unknown>;

/** Runs parameterized SQL (`$1`, `$2`, ...) and returns the rows. */
export interface SqlRunner {
  query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

/**
 * The drizzle database, typed over both drivers, for cold routes. On PGlite
 * it is drizzle's pg-proxy driver, whose `transaction` throws, so code that
 * needs a transaction uses {@link Store.transaction}.
 */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

/**
 * The server's database: a thin SQL adapter for the hot paths (push, pull)
 * over the driver itself, plus drizzle for the cold routes.
 */
export interface Store extends SqlRunner {
  readonly kind: StoreKind;
  readonly db: Database;
  /** Runs `work` in one READ COMMITTED transaction; it commits when `work` resolves. */
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /** Closes the connections; idempotent. */
  close(): Promise<void>;
}
