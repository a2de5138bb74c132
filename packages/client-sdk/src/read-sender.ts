import { readResponseSchema } from "@syncline/protocol";
import { type BackoffOptions, backoffDelayMs } from "./backoff.ts";
import type { SynclineDb } from "./db.ts";
import { errorAction, type SyncError, toSyncError } from "./errors.ts";
import type { HttpTransport } from "./http.ts";
import type { Logger } from "./logger.ts";
import { confirmRead, dropPendingRead, pendingReads } from "./receipts.ts";
import { createWaker } from "./waker.ts";

/** Dependencies of the read sender. */
export interface ReadSenderOptions {
  db: SynclineDb;
  http: HttpTransport;
  logger: Logger;
  backoff: BackoffOptions;
  random: () => number;
  signal: AbortSignal;
  onUnauthorized(error: SyncError): void;
}

/**
 * Sends the read positions that `markRead` stored, in the background,
 * retrying with backoff while offline. Because the positions are stored,
 * one not yet sent when the app closes is sent after the next start.
 */
export interface ReadSender {
  /** Starts sending now, or right after the run in flight, and cuts a backoff wait short. */
  kick(): void;
}

export function createReadSender(options: ReadSenderOptions): ReadSender {
  const { signal, logger } = options;
  const waker = createWaker(signal);
  let requested = false;
  let running = false;
  let attempt = 0;

  async function run(): Promise<void> {
    running = true;
    try {
      while (requested && !signal.aborted) {
        requested = false;
        try {
          await sendAll(options);
          attempt = 0;
        } catch (error) {
          const failure = toSyncError(error);
          const action = errorAction(failure.code);
          if (action === "stop" || signal.aborted) return;
          if (action === "reauthenticate") {
            options.onUnauthorized(failure);
            return;
          }
          const delayMs = backoffDelayMs(attempt, options.backoff, options.random);
          attempt += 1;
          logger.warn("Read receipt failed; retrying after a backoff.", {
            code: failure.code,
            delayMs,
          });
          requested = true;
          await waker.sleep(delayMs);
        }
      }
    } finally {
      running = false;
      if (requested && !signal.aborted) void run();
    }
  }

  return {
    kick() {
      requested = true;
      waker.wake();
      if (!running && !signal.aborted) void run();
    },
  };
}

/** Sends every stored read position; one the server rejects for good is dropped. */
async function sendAll(options: ReadSenderOptions): Promise<void> {
  for (const { conversationId, seq } of await pendingReads(options.db)) {
    const path = `/v1/conversations/${encodeURIComponent(conversationId)}/read`;
    try {
      const { readSeq } = await options.http.request("POST", path, { seq }, readResponseSchema);
      await confirmRead(options.db, conversationId, readSeq);
    } catch (error) {
      const failure = toSyncError(error);
      if (errorAction(failure.code) !== "fail") throw failure;
      options.logger.warn("Server rejected a read receipt; dropping it.", {
        conversationId,
        code: failure.code,
      });
      await dropPendingRead(options.db, conversationId);
    }
  }
}
