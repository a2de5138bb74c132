/** Startup options of the PGlite worker thread, passed as `workerData`. */
export interface WorkerOptions {
  /** PGlite's data folder; undefined keeps the database in memory. */
  dataDir: string | undefined;
  /** The drizzle migrations folder, applied before the worker reports `ready`. */
  migrationsFolder: string;
}

/**
 * A statement. With `transactionId` it runs inside that open transaction,
 * else on its own once no transaction is open. `rowMode` is
 * set by drizzle queries only, which also get date and time values as text.
 */
export interface QueryRequest {
  id: number;
  op: "query";
  text: string;
  params: unknown[];
  transactionId?: number | undefined;
  rowMode?: "array" | "object" | undefined;
}

/** The requests the main thread sends; every one gets exactly one reply with its `id`. */
export type WorkerRequest =
  | QueryRequest
  | { id: number; op: "begin" }
  | { id: number; op: "commit" | "rollback"; transactionId: number }
  | { id: number; op: "close" };

/** An error as plain data: its name, message and Postgres fields such as the SQLSTATE `code`. */
export interface SerializedError {
  name: string;
  message: string;
  fields: Record<string, string | number>;
}

/** The outcome of one request. */
export type WorkerReply =
  | { type: "reply"; id: number; ok: true; value: unknown }
  | { type: "reply"; id: number; ok: false; error: SerializedError };

/** Every message the worker posts: startup's outcome, then replies. */
export type WorkerStatus =
  | { type: "ready" }
  | { type: "failed"; error: SerializedError }
  | WorkerReply;
