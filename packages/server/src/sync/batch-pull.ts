import {
  type BatchPullEntry,
  type BatchPullResponse,
  type Event,
  ProtocolError,
  type PullPage,
} from "@syncline/protocol";
import { type EventRow, eventColumns, toEvent } from "../store/event-rows.ts";
import type { SqlRunner } from "../store/store.ts";
import { notFound, notMember } from "./access.ts";
import { checkRetained } from "./retained-range.ts";

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

/** A conversation's head, for a caller who may read it. */
interface Head {
  lastSeq: number;
  epoch: string;
}

/** A cursor that passed the access and head checks, waiting for its page. */
interface Readable {
  conversationId: string;
  after: number;
  head: Head;
}

/**
 * Pulls several conversations with a few statements for all of them: one
 * reads every head and membership, then each chunk of conversations reads
 * its pages in one statement. A conversation the user may not read, or a
 * cursor ahead of its log, fails that entry alone. Chunks are sized so
 * that rows read stay near `budget`, and pages shrink once it is spent.
 */
export async function pullBatch(
  runner: SqlRunner,
  userId: string,
  cursors: Record<string, number>,
  limit: number,
  budget: BatchBudget = batchPullBudget,
): Promise<BatchPullResponse> {
  const requested = Object.entries(cursors);
  const heads = await readHeads(
    runner,
    requested.map(([id]) => id),
    userId,
  );
  const entries = new Map<string, BatchPullEntry>();
  const readable: Readable[] = [];
  for (const [conversationId, after] of requested) {
    const head = heads.get(conversationId);
    const problem = checkCursor(conversationId, after, userId, head);
    if (problem !== undefined) entries.set(conversationId, problem.toBody());
    else if (head !== undefined) readable.push({ conversationId, after, head });
  }

  const remaining = { ...budget };
  for (let start = 0; start < readable.length; ) {
    const spent = remaining.events <= 0 || remaining.bodyBytes <= 0;
    const pageLimit = spent ? 1 : Math.min(limit, remaining.events);
    const size = spent ? readable.length : Math.max(1, Math.floor(remaining.events / pageLimit));
    const chunk = readable.slice(start, start + size);
    start += chunk.length;
    const pages = await readPages(runner, chunk, pageLimit);
    for (const item of chunk) {
      entries.set(item.conversationId, await toEntry(runner, item, pages, pageLimit, remaining));
    }
  }
  // fromEntries defines own properties, so an id such as "__proto__" stays a plain key.
  return {
    conversations: Object.fromEntries(
      requested.flatMap(([id]) => {
        const entry = entries.get(id);
        return entry === undefined ? [] : [[id, entry]];
      }),
    ),
  };
}

/** Reads the head of each conversation that exists, with whether `userId` is a current member. */
async function readHeads(
  runner: SqlRunner,
  conversationIds: readonly string[],
  userId: string,
): Promise<Map<string, Head & { member: boolean }>> {
  const rows = await runner.query<{
    id: string;
    last_seq: string | number;
    epoch: string;
    member: boolean;
  }>(
    `SELECT c.id, c.last_seq, c.epoch, m.user_id IS NOT NULL AS member
       FROM conversations c
       LEFT JOIN members m
         ON m.conversation_id = c.id AND m.user_id = $2 AND m.removed_at IS NULL
      WHERE c.id = ANY($1::text[])`,
    [conversationIds, userId],
  );
  return new Map(
    rows.map((row) => [
      row.id,
      { lastSeq: Number(row.last_seq), epoch: row.epoch, member: row.member },
    ]),
  );
}

/** Returns the error of a cursor that cannot be served, the same as a single pull's. */
function checkCursor(
  conversationId: string,
  after: number,
  userId: string,
  head: (Head & { member: boolean }) | undefined,
): ProtocolError | undefined {
  if (head === undefined) return notFound(conversationId);
  if (!head.member) return notMember(conversationId, userId);
  if (after <= head.lastSeq) return undefined;
  return new ProtocolError(
    "cursor_ahead",
    `Cursor ${after} is beyond the latest seq ${head.lastSeq} of conversation ${conversationId}; drop the local copy and pull from 0.`,
    { field: "after", details: { latestSeq: head.lastSeq, epoch: head.epoch } },
  );
}

/** Reads up to `pageLimit + 1` events after each cursor, by primary-key range, in one statement. */
async function readPages(
  runner: SqlRunner,
  chunk: readonly Readable[],
  pageLimit: number,
): Promise<Map<string, Event[]>> {
  const rows = await runner.query<EventRow>(
    `SELECT page.* FROM unnest($1::text[], $2::bigint[]) AS cursor(id, after)
      CROSS JOIN LATERAL (
        SELECT ${eventColumns} FROM events
         WHERE conversation_id = cursor.id AND seq > cursor.after ORDER BY seq LIMIT $3
      ) AS page`,
    [chunk.map((item) => item.conversationId), chunk.map((item) => item.after), pageLimit + 1],
  );
  const pages = new Map<string, Event[]>();
  for (const row of rows) {
    const page = pages.get(row.conversation_id) ?? [];
    page.push(toEvent(row));
    pages.set(row.conversation_id, page);
  }
  for (const page of pages.values()) page.sort((a, b) => a.seq - b.seq);
  return pages;
}

async function toEntry(
  runner: SqlRunner,
  item: Readable,
  pages: ReadonlyMap<string, Event[]>,
  pageLimit: number,
  remaining: BatchBudget,
): Promise<BatchPullEntry> {
  const { conversationId, after, head } = item;
  const rows = pages.get(conversationId) ?? [];
  const events = rows.slice(0, pageLimit);
  try {
    await checkRetained(runner, { conversationId, after, lastSeq: head.lastSeq, events });
  } catch (error) {
    if (error instanceof ProtocolError) return error.toBody();
    throw error;
  }
  // Events committed after the head was read may be in the page already.
  const latestSeq = Math.max(head.lastSeq, events.at(-1)?.seq ?? 0);
  const page = { events, latestSeq, hasMore: rows.length > pageLimit, epoch: head.epoch };
  return spendBudget(page, remaining);
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
