import {
  type BatchPullEntry,
  batchPullResponseSchema,
  type Event,
  limits,
  type NotifyFrame,
  type PullPage,
} from "@syncline/protocol";
import { type BackoffOptions, backoffDelayMs } from "./backoff.ts";
import { type SynclineDb, syncTables } from "./db.ts";
import { pickDeliverySample, type StoredSample } from "./delivery-sample.ts";
import { closedError, errorAction, SyncError, toSyncError } from "./errors.ts";
import { skipExpiredHistory } from "./expired-history.ts";
import type { HttpTransport } from "./http.ts";
import { noteLatestSeq, readCursor, resetConversation, storeEvents } from "./log-store.ts";
import type { Logger } from "./logger.ts";
import { applyNotify } from "./notify.ts";
import type { Serial } from "./serial.ts";
import { createWaker } from "./waker.ts";

export interface PullLoopOptions {
  db: SynclineDb;
  userId: string;
  http: HttpTransport;
  logger: Logger;
  backoff: BackoffOptions;
  random: () => number;
  signal: AbortSignal;
  serial: Serial;
  /** Events per conversation per page; the server caps it at its own maximum. */
  pageLimit: number;
  /** Fetches the conversation list, for a notify about a conversation not yet known. */
  refreshConversations(): Promise<void>;
  onUnauthorized(error: SyncError): void;
  /**
   * Called after a pull or notify committed, with the conversation's cursor
   * and, when the batch had an event from another member, its delivery sample.
   */
  onCursor?(conversationId: string, cursor: number, sample?: StoredSample): void;
  /** Called after a pull page or notify committed, with the events it stored. */
  onEventsStored?(conversationId: string, events: readonly Event[]): void;
}

/** Brings the local logs up to date from the cursors, in the background or on request. */
export interface PullLoop {
  /** Pulls the given conversations, or every known one, until current; rejects on failure. */
  pull(conversationIds?: readonly string[]): Promise<void>;
  /** Queues a pull in the background, retried with backoff until it succeeds. */
  requestPull(conversationIds?: readonly string[]): void;
  /** Applies a notify frame: stores its events, and pulls when they leave a gap. */
  applyNotify(frame: NotifyFrame): Promise<void>;
}

export function createPullLoop(options: PullLoopOptions): PullLoop {
  const { signal, logger } = options;
  const waker = createWaker(signal);
  const queuedIds = new Set<string>();
  let queuedAll = false;
  let running = false;
  let attempt = 0;

  const pull = (ids?: readonly string[]) => options.serial(() => pullUntilCurrent(options, ids));

  const queue = (ids?: readonly string[]) => {
    if (ids === undefined) queuedAll = true;
    else for (const id of ids) queuedIds.add(id);
  };

  async function run(): Promise<void> {
    running = true;
    try {
      while ((queuedAll || queuedIds.size > 0) && !signal.aborted) {
        const ids = queuedAll ? undefined : [...queuedIds];
        queuedAll = false;
        queuedIds.clear();
        try {
          await pull(ids);
          attempt = 0;
        } catch (error) {
          const failure = toSyncError(error);
          const action = errorAction(failure.code);
          if (action === "stop" || signal.aborted) return;
          if (action === "reauthenticate") {
            options.onUnauthorized(failure);
            return;
          }
          queue(ids);
          const delayMs = backoffDelayMs(
            attempt,
            options.backoff,
            options.random,
            failure.retryAfterMs,
          );
          attempt += 1;
          logger.warn("Pull failed; retrying after a backoff.", { code: failure.code, delayMs });
          await waker.sleep(delayMs);
        }
      }
    } finally {
      running = false;
      if ((queuedAll || queuedIds.size > 0) && !signal.aborted) void run();
    }
  }

  const requestPull = (ids?: readonly string[]) => {
    queue(ids);
    waker.wake();
    if (!running && !signal.aborted) void run();
  };

  return {
    pull,
    requestPull,
    applyNotify: (frame) => applyNotify(options, frame, requestPull),
  };
}

/** Pulls in batches, and pulls again every conversation whose page had `hasMore` set. */
async function pullUntilCurrent(options: PullLoopOptions, ids?: readonly string[]): Promise<void> {
  const { db } = options;
  let pending = new Set(ids ?? (await knownConversationIds(db)));
  const resets = new Map<string, number>();
  while (pending.size > 0) {
    if (options.signal.aborted) throw closedError();
    const next = new Set<string>();
    const cursors = await Promise.all([...pending].map((id) => readCursor(db, id)));
    for (let start = 0; start < cursors.length; start += limits.maxCursorsPerPull) {
      const chunk = cursors.slice(start, start + limits.maxCursorsPerPull);
      const request = {
        cursors: Object.fromEntries(chunk.map((row) => [row.conversationId, row.cursor])),
        limit: options.pageLimit,
      };
      const response = await options.http.request(
        "POST",
        "/v1/pull",
        request,
        batchPullResponseSchema,
      );
      for (const row of chunk) {
        // Own keys only: an inherited name such as "constructor" is not an entry.
        const entry = Object.hasOwn(response.conversations, row.conversationId)
          ? response.conversations[row.conversationId]
          : undefined;
        if (await applyEntry(options, row.conversationId, row.cursor, entry, resets)) {
          next.add(row.conversationId);
        }
      }
    }
    pending = next;
  }
}

/** Stores one conversation's entry of a batched pull; returns true when it must be pulled again. */
async function applyEntry(
  options: PullLoopOptions,
  conversationId: string,
  after: number,
  entry: BatchPullEntry | undefined,
  resets: Map<string, number>,
): Promise<boolean> {
  const { db, logger } = options;
  if (entry === undefined) {
    logger.warn("Pull response has no entry for a requested conversation.", { conversationId });
    return false;
  }
  if ("error" in entry) {
    const { code, message, details } = entry.error;
    if (code === "cursor_ahead") {
      if (!countReset(resets, conversationId)) return false;
      logger.warn("Cursor is ahead of the server's log; pulling again from 0.", { conversationId });
      const epoch = typeof details?.epoch === "string" ? details.epoch : null;
      await db.transaction("rw", syncTables(db), () =>
        resetConversation(db, conversationId, epoch),
      );
      return true;
    }
    if (code === "cursor_expired") {
      if (!countReset(resets, conversationId)) return false;
      logger.warn("Older history was deleted on the server; pulling from the oldest kept seq.", {
        conversationId,
      });
      await skipExpiredHistory(db, conversationId, details);
      return true;
    }
    if (code === "forbidden" || code === "not_found") {
      logger.warn("Conversation is no longer readable; it stops being pulled.", {
        conversationId,
        code,
      });
      await forgetConversation(db, conversationId);
      return false;
    }
    throw new SyncError(code, `Pull of conversation ${conversationId} failed: ${message}`);
  }
  const outcome = await applyPage(options, conversationId, after, entry);
  if (outcome !== "reset") {
    options.onEventsStored?.(conversationId, entry.events);
    // A first pull loads history, so its events were committed long before this device asked.
    const sample =
      after === 0 ? undefined : pickDeliverySample(entry.events, outcome, options.userId, "pull");
    options.onCursor?.(conversationId, outcome, sample);
  }
  if (outcome === "reset") return countReset(resets, conversationId);
  if (!entry.hasMore) return false;
  if (outcome > after) return true;
  logger.error("Pull made no progress although the server has more; stopping.", {
    conversationId,
    after,
  });
  return false;
}

/**
 * Counts a reset of one conversation in one pull run and returns whether
 * it is allowed. A third reset in one run is left for the next run.
 */
function countReset(resets: Map<string, number>, conversationId: string): boolean {
  const count = (resets.get(conversationId) ?? 0) + 1;
  resets.set(conversationId, count);
  return count <= 2;
}

/**
 * Stores a page and advances the cursor in one transaction. A page whose
 * epoch differs from the stored one, or whose log is shorter than the
 * requested cursor, means the server's log was recreated. The conversation
 * is then reset, and unless the page already started at 0, the function
 * returns "reset" so that the caller pulls it again from 0.
 */
async function applyPage(
  options: PullLoopOptions,
  conversationId: string,
  after: number,
  page: PullPage,
): Promise<number | "reset"> {
  const { db } = options;
  return db.transaction("rw", syncTables(db), async () => {
    const row = await readCursor(db, conversationId);
    const epochChanged = row.epoch !== null && row.epoch !== page.epoch;
    const logShrank = page.latestSeq < after;
    if (epochChanged || logShrank) {
      options.logger.warn("Conversation log was recreated on the server; resyncing.", {
        conversationId,
      });
      await resetConversation(db, conversationId, page.epoch);
      if (after !== 0) return "reset";
    } else if (row.epoch === null) {
      await db.cursors.put({ ...row, epoch: page.epoch });
    }
    const cursor = await storeEvents(db, options.userId, conversationId, page.events);
    await noteLatestSeq(db, conversationId, page.latestSeq, epochChanged || logShrank);
    return cursor;
  });
}

/** Lists every conversation this device pulls: the listed ones and any with a cursor. */
export async function knownConversationIds(db: SynclineDb): Promise<string[]> {
  const [listed, cursored] = await Promise.all([
    db.conversations.toCollection().primaryKeys(),
    db.cursors.toCollection().primaryKeys(),
  ]);
  return [...new Set([...listed, ...cursored])];
}

async function forgetConversation(db: SynclineDb, conversationId: string): Promise<void> {
  await db.transaction("rw", [db.conversations, db.cursors], async () => {
    await db.conversations.delete(conversationId);
    await db.cursors.delete(conversationId);
  });
}
