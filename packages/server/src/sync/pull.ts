import {
  type BatchPullEntry,
  type BatchPullResponse,
  ProtocolError,
  type PullPage,
} from "@syncline/protocol";
import { type EventRow, eventColumns, toEvent } from "../store/event-rows.ts";
import type { SqlRunner } from "../store/store.ts";
import { readAsMember } from "./access.ts";
import { checkRetained } from "./retained-range.ts";

/** One page request: events of `conversationId` after the cursor `after`. */
export interface PageRequest {
  conversationId: string;
  userId: string;
  after: number;
  limit: number;
}

/**
 * Reads one page of a conversation's log by primary-key range. One extra
 * row is read to decide `hasMore`. A cursor beyond the log's head fails
 * with `cursor_ahead`, so a client whose copy outlived a restore resets.
 */
export async function pullPage(runner: SqlRunner, request: PageRequest): Promise<PullPage> {
  const { conversationId, userId, after, limit } = request;
  const view = await readAsMember(runner, conversationId, userId);
  if (after > view.lastSeq) {
    throw new ProtocolError(
      "cursor_ahead",
      `Cursor ${after} is beyond the latest seq ${view.lastSeq} of conversation ${conversationId}; drop the local copy and pull from 0.`,
      { field: "after", details: { latestSeq: view.lastSeq, epoch: view.epoch } },
    );
  }

  const rows = await runner.query<EventRow>(
    `SELECT ${eventColumns} FROM events
      WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [conversationId, after, limit + 1],
  );
  const events = rows.slice(0, limit).map(toEvent);
  await checkRetained(runner, { conversationId, after, lastSeq: view.lastSeq, events });

  // Events committed after the head was read may be in the page already.
  const latestSeq = Math.max(view.lastSeq, events.at(-1)?.seq ?? 0);
  return { events, latestSeq, hasMore: rows.length > limit, epoch: view.epoch };
}

/**
 * Limits on the events of one batched pull response across all its pages.
 * Past either limit each later page contains one event, so every
 * conversation still moves forward and sets `hasMore`.
 */
export interface BatchBudget {
  events: number;
  /** Approximate bytes: the UTF-16 length of each event body's JSON. */
  bodyBytes: number;
}

/** The default {@link BatchBudget}: a few megabytes, far below 500 full pages. */
export const batchPullBudget: BatchBudget = { events: 5000, bodyBytes: 4 * 1024 * 1024 };

/**
 * Pulls several conversations. A conversation the user may not read, or a
 * cursor ahead of its log, fails that entry alone. Pages shrink once the
 * whole response reaches `budget`.
 */
export async function pullBatch(
  runner: SqlRunner,
  userId: string,
  cursors: Record<string, number>,
  limit: number,
  budget: BatchBudget = batchPullBudget,
): Promise<BatchPullResponse> {
  const remaining = { ...budget };
  const entries: [string, BatchPullEntry][] = [];
  for (const [conversationId, after] of Object.entries(cursors)) {
    const pageLimit =
      remaining.events > 0 && remaining.bodyBytes > 0 ? Math.min(limit, remaining.events) : 1;
    try {
      const page = await pullPage(runner, { conversationId, userId, after, limit: pageLimit });
      entries.push([conversationId, spendBudget(page, remaining)]);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      entries.push([conversationId, error.toBody()]);
    }
  }
  // fromEntries defines own properties, so an id such as "__proto__" stays a plain key.
  return { conversations: Object.fromEntries(entries) };
}

/** Cuts a page where the budget runs out, keeping its first event, and charges the budget. */
function spendBudget(page: PullPage, remaining: BatchBudget): PullPage {
  let keptCount = 0;
  for (const event of page.events) {
    if (keptCount > 0 && (remaining.events <= 0 || remaining.bodyBytes <= 0)) break;
    remaining.events -= 1;
    remaining.bodyBytes -= JSON.stringify(event.body).length;
    keptCount++;
  }
  if (keptCount === page.events.length) return page;
  return { ...page, events: page.events.slice(0, keptCount), hasMore: true };
}
