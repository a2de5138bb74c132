import { type Event, ProtocolError } from "@syncline/protocol";
import type { SqlRunner } from "../store/store.ts";

/** A page just read, to check against the conversation's retained range. */
export interface ReadPage {
  conversationId: string;
  after: number;
  /** The conversation's latest seq, read before the page. */
  lastSeq: number;
  events: readonly Event[];
}

/**
 * Throws `cursor_expired` when retention deleted events right after the
 * cursor. Seqs are gap-free, so a page that does not start at `after + 1`
 * while the log goes past `after` lost its first events. Checking the rows
 * read, not only `min_seq`, also catches a sweep that commits between the
 * head read and the page read.
 */
export async function checkRetained(runner: SqlRunner, page: ReadPage): Promise<void> {
  const { conversationId, after, lastSeq, events } = page;
  const firstSeq = events[0]?.seq;
  const missing = firstSeq === undefined ? after < lastSeq : firstSeq > after + 1;
  if (!missing) return;

  const rows = await runner.query<{
    min_seq: string | number;
    last_seq: string | number;
    epoch: string;
  }>("SELECT min_seq, last_seq, epoch FROM conversations WHERE id = $1", [conversationId]);
  const row = rows[0];
  const oldestSeq = Number(row?.min_seq ?? after + 1);
  const latestSeq = Number(row?.last_seq ?? lastSeq);
  throw new ProtocolError(
    "cursor_expired",
    `Cursor ${after} is below the oldest retained seq ${oldestSeq} of conversation ${conversationId}; events up to ${oldestSeq - 1} were deleted, so pull from ${oldestSeq - 1}.`,
    { field: "after", details: { oldestSeq, latestSeq, epoch: row?.epoch } },
  );
}
