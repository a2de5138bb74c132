import { ProtocolError, type PullPage } from "@syncline/protocol";
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
