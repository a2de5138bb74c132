import { ProtocolError } from "@syncline/protocol";
import type { Row, SqlRunner, Store } from "../store/store.ts";
import { isStoreUnavailable } from "../store/store-errors.ts";
import { isRetryable } from "../sync/transaction.ts";
import type { ServerMetrics } from "./server-metrics.ts";

/**
 * Wraps a store so that every failed query or transaction counts in
 * `syncline_store_errors_total`. Protocol errors thrown by the work inside
 * a transaction are the caller's decisions, not store failures, so they do
 * not count.
 */
export function meterStore(store: Store, metrics: ServerMetrics): Store {
  const count = (error: unknown) => {
    if (error instanceof ProtocolError) return;
    metrics.storeErrors.inc({ kind: storeErrorKind(error) });
  };
  const observe = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      count(error);
      throw error;
    }
  };
  return {
    kind: store.kind,
    db: store.db,
    query: <R extends Row = Row>(text: string, params?: readonly unknown[]) =>
      observe(() => store.query<R>(text, params)),
    transaction: <T>(work: (tx: SqlRunner) => Promise<T>) => observe(() => store.transaction(work)),
    close: () => store.close(),
  };
}

/** Classifies a store error: the database is unreachable, a race to retry, or anything else. */
export function storeErrorKind(error: unknown): "unavailable" | "conflict" | "other" {
  if (isStoreUnavailable(error)) return "unavailable";
  if (isRetryable(error)) return "conflict";
  return "other";
}
