import { type PushResult, pushResponseSchema } from "@syncline/protocol";
import { type BackoffOptions, backoffDelayMs } from "./backoff.ts";
import type { OutboxRow, SynclineDb } from "./db.ts";
import { closedError, errorAction, SyncError, toSyncError } from "./errors.ts";
import type { HttpTransport } from "./http.ts";
import type { Logger } from "./logger.ts";
import { type Acked, ack, markFailed, nextPending, toOp } from "./outbox.ts";
import type { Serial } from "./serial.ts";
import { createWaker } from "./waker.ts";

/** Ops in one push request; the server accepts up to 100. */
export const pushBatchSize = 50;

export interface PushLoopOptions {
  db: SynclineDb;
  userId: string;
  http: HttpTransport;
  logger: Logger;
  backoff: BackoffOptions;
  random: () => number;
  /** Aborted by `close()`: the loop ends and its sleeps return at once. */
  signal: AbortSignal;
  /** Shared with `sync()`, so two drains never push the same row at once. */
  serial: Serial;
  /** Called when the server rejects the token even after a refresh. */
  onUnauthorized(error: SyncError): void;
  /**
   * Checked before each push request; false ends the drain without pushing,
   * as in a tab that is not the leader. Undefined always pushes.
   */
  mayPush?(): boolean;
}

/** Pushes the outbox in send order, in the background, until it is empty. */
export interface PushLoop {
  /** Starts a drain now, or right after the one in flight, and cuts a backoff wait short. */
  kick(): void;
  /** Pushes every pending row once; rejects with the first request-level failure. */
  flush(): Promise<void>;
}

export function createPushLoop(options: PushLoopOptions): PushLoop {
  const { signal, logger } = options;
  const waker = createWaker(signal);
  let drainRequested = false;
  let running = false;
  let attempt = 0;

  const flush = () => options.serial(() => drain(options));

  async function run(): Promise<void> {
    running = true;
    try {
      while (drainRequested && !signal.aborted) {
        drainRequested = false;
        try {
          await flush();
          attempt = 0;
        } catch (error) {
          if (!(await handleFailure(toSyncError(error)))) return;
        }
      }
    } finally {
      running = false;
      // A kick that came after the last check must not be lost.
      if (drainRequested && !signal.aborted) void run();
    }
  }

  /** Waits out the backoff after a failed drain; returns false when the loop must stop. */
  async function handleFailure(error: SyncError): Promise<boolean> {
    const action = errorAction(error.code);
    if (action === "stop" || signal.aborted) return false;
    if (action === "reauthenticate") {
      options.onUnauthorized(error);
      return false;
    }
    const delayMs = backoffDelayMs(attempt, options.backoff, options.random, error.retryAfterMs);
    attempt += 1;
    const log = action === "retry" ? logger.warn : logger.error;
    log.call(logger, "Push failed; retrying after a backoff.", {
      code: error.code,
      delayMs,
      attempt,
    });
    drainRequested = true;
    await waker.sleep(delayMs);
    return true;
  }

  return {
    kick() {
      drainRequested = true;
      waker.wake();
      if (!running && !signal.aborted) void run();
    },
    flush,
  };
}

/** Pushes pending rows batch by batch, reading the outbox afresh each time, until none is left. */
async function drain(options: PushLoopOptions): Promise<void> {
  for (;;) {
    if (options.signal.aborted) throw closedError();
    const rows = await nextPending(options.db, pushBatchSize);
    if (rows.length === 0) return;
    // Reading the outbox yielded, and this tab may have lost the leadership meanwhile.
    if (options.mayPush?.() === false) return;
    await pushRows(options, rows);
  }
}

/**
 * Pushes rows in one request. A 4xx on the whole request pushes the rows
 * one by one, so that one poison op fails alone and the rest go on.
 */
async function pushRows(options: PushLoopOptions, rows: OutboxRow[]): Promise<void> {
  let results: PushResult[];
  try {
    const body = { ops: rows.map(toOp) };
    results = (await options.http.request("POST", "/v1/push", body, pushResponseSchema)).results;
  } catch (error) {
    const failure = toSyncError(error);
    if (errorAction(failure.code) !== "fail") throw failure;
    if (rows.length > 1) {
      options.logger.warn("Push request rejected; pushing its ops one by one.", {
        code: failure.code,
        ops: rows.length,
      });
      for (const row of rows) await pushRows(options, [row]);
      return;
    }
    const [row] = rows as [OutboxRow];
    await markFailed(options.db, row.clientId, { code: failure.code, message: failure.message });
    return;
  }
  await applyResults(options, rows, results);
}

/** Stores the acks, marks rejected ops failed, and throws when some op must be retried. */
async function applyResults(
  options: PushLoopOptions,
  rows: OutboxRow[],
  results: PushResult[],
): Promise<void> {
  const resultByClientId = new Map(results.map((result) => [result.clientId, result]));
  const acked: Acked[] = [];
  let retryError: SyncError | undefined;
  for (const row of rows) {
    const result = resultByClientId.get(row.clientId);
    if (result === undefined) {
      retryError ??= new SyncError(
        "bad_response",
        `The push response has no result for op ${row.clientId}.`,
      );
    } else if (result.status === "ok") {
      acked.push({ row, result });
    } else if (["fail", "reset"].includes(errorAction(result.code))) {
      options.logger.warn("Op rejected by the server.", {
        clientId: row.clientId,
        code: result.code,
      });
      await markFailed(options.db, row.clientId, { code: result.code, message: result.message });
    } else {
      retryError ??= new SyncError(result.code, `Op ${row.clientId}: ${result.message}`);
    }
  }
  await ack(options.db, options.userId, acked);
  if (retryError !== undefined) throw retryError;
}
