import type { SqlRunner, Store } from "../store/store.ts";

/**
 * SQLSTATE codes after which a whole transaction may simply run again:
 * a racing duplicate insert, a serialization failure, a deadlock.
 */
const retryableCodes = new Set(["23505", "40001", "40P01"]);

/** Attempts of one transaction before its error reaches the caller. */
const maxAttempts = 5;

/** Options of {@link runTransaction}. */
export interface TransactionOptions {
  /** Called before each retry, for logging. */
  onRetry?: (error: unknown, attempt: number) => void;
}

/**
 * Runs `work` in a transaction, running it again from the start after a
 * unique violation, serialization failure or deadlock, so a lost race never
 * reaches the client as a 500. `work` must build its result afresh on
 * every attempt.
 */
export async function runTransaction<T>(
  store: Store,
  work: (tx: SqlRunner) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.transaction(work);
    } catch (error) {
      if (attempt >= maxAttempts || !isRetryable(error)) throw error;
      options.onRetry?.(error, attempt);
    }
  }
}

/** Tells whether a driver error is a race that a new attempt resolves. */
export function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && retryableCodes.has(code);
}
