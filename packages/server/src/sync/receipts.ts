import type { SqlRunner } from "../store/store.ts";
import { readAsMember } from "./access.ts";
import { listMemberIds } from "./sequencer.ts";

/** The caller's read position after a receipt, and whom to tell when it moved. */
export interface ReceiptOutcome {
  readSeq: number;
  moved: boolean;
  /** Current members, set only when the position moved. */
  memberIds: string[];
}

/**
 * Moves a member's read position to `seq`, capped at the conversation's
 * latest seq. The position never moves back: a stale receipt from another
 * device leaves it where it is. Throws `not_found` or `forbidden` like a pull.
 */
export async function markRead(
  runner: SqlRunner,
  conversationId: string,
  userId: string,
  seq: number,
): Promise<ReceiptOutcome> {
  // One statement, so two devices racing can only move it forward.
  const moved = await runner.query<{ read_seq: string | number }>(
    `UPDATE members m SET read_seq = LEAST($3, c.last_seq)
       FROM conversations c
      WHERE m.conversation_id = $1 AND m.user_id = $2 AND m.removed_at IS NULL
        AND c.id = m.conversation_id AND m.read_seq < LEAST($3, c.last_seq)
      RETURNING m.read_seq`,
    [conversationId, userId, seq],
  );
  const row = moved[0];
  if (row === undefined) {
    const view = await readAsMember(runner, conversationId, userId);
    return { readSeq: view.readSeq, moved: false, memberIds: [] };
  }
  return {
    readSeq: Number(row.read_seq),
    moved: true,
    memberIds: await listMemberIds(runner, conversationId),
  };
}
