import type { Event } from "@syncline/protocol";
import { isoTime } from "../store/event-rows.ts";
import type { SqlRunner } from "../store/store.ts";

/** A conversation's counter row, read under its lock. */
export interface ConversationHead {
  lastSeq: number;
  epoch: string;
  /** The database's clock when the lock was taken: the `createdAt` of new events. */
  now: string;
}

/** An event to append, with the seq that the plan assigned to it. */
export interface EventDraft {
  seq: number;
  clientId: string;
  senderId: string;
  type: string;
  body: Record<string, unknown>;
}

/**
 * Locks a conversation's counter row until COMMIT and reads it. Every
 * writer of the conversation takes this lock first, so seqs are handed out
 * one transaction at a time, with no gap, and become visible in order.
 * Returns undefined when the conversation does not exist.
 */
export async function lockHead(
  tx: SqlRunner,
  conversationId: string,
): Promise<ConversationHead | undefined> {
  const rows = await tx.query<{ last_seq: string | number; epoch: string; now: string }>(
    `SELECT last_seq, epoch, ${isoTime("clock_timestamp()")} AS now
       FROM conversations WHERE id = $1 FOR NO KEY UPDATE`,
    [conversationId],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return { lastSeq: Number(row.last_seq), epoch: row.epoch, now: row.now };
}

/** Lists the current members of a conversation, sorted. */
export async function listMemberIds(runner: SqlRunner, conversationId: string): Promise<string[]> {
  const rows = await runner.query<{ user_id: string }>(
    `SELECT user_id FROM members
      WHERE conversation_id = $1 AND removed_at IS NULL ORDER BY user_id`,
    [conversationId],
  );
  return rows.map((row) => row.user_id);
}

/**
 * Inserts drafts whose seqs run on from `head.lastSeq`, in one multi-row
 * insert, then moves the counter and each sender's read and delivered
 * watermarks up to their own highest new seq (sending implies reading).
 * The caller holds the lock from {@link lockHead}.
 */
export async function appendEvents(
  tx: SqlRunner,
  conversationId: string,
  head: ConversationHead,
  drafts: readonly EventDraft[],
): Promise<Event[]> {
  if (drafts.length === 0) return [];
  await insertEvents(tx, conversationId, head.now, drafts);

  const latestSeq = head.lastSeq + drafts.length;
  await tx.query("UPDATE conversations SET last_seq = $2 WHERE id = $1", [
    conversationId,
    latestSeq,
  ]);
  for (const [senderId, seq] of highestSeqBySender(drafts)) {
    await tx.query(
      `UPDATE members
          SET read_seq = GREATEST(read_seq, $3), delivered_seq = GREATEST(delivered_seq, $3)
        WHERE conversation_id = $1 AND user_id = $2`,
      [conversationId, senderId, seq],
    );
  }

  return drafts.map((draft) => ({ conversationId, ...draft, createdAt: head.now }));
}

async function insertEvents(
  tx: SqlRunner,
  conversationId: string,
  createdAt: string,
  drafts: readonly EventDraft[],
): Promise<void> {
  const params: unknown[] = [conversationId, createdAt];
  const rows = drafts.map((draft) => {
    const first = params.length + 1;
    params.push(draft.seq, draft.clientId, draft.senderId, draft.type, JSON.stringify(draft.body));
    return `($1, $${first}, $${first + 1}, $${first + 2}, $${first + 3}, $${first + 4}::text::jsonb, $2::timestamptz)`;
  });
  await tx.query(
    `INSERT INTO events (conversation_id, seq, client_id, sender_id, type, body, created_at)
     VALUES ${rows.join(", ")}`,
    params,
  );
}

function highestSeqBySender(drafts: readonly EventDraft[]): Map<string, number> {
  const highest = new Map<string, number>();
  for (const draft of drafts) {
    highest.set(draft.senderId, Math.max(highest.get(draft.senderId) ?? 0, draft.seq));
  }
  return highest;
}
