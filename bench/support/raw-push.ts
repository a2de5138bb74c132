import type { MessageOp } from "./api.ts";
import type { RawDb, RawQuery } from "./raw-db.ts";

/**
 * The ceilings of the push path: the same rows the server writes (a counter
 * row update plus event inserts), written with the least SQL that keeps
 * seqs gap-free, through the raw driver.
 */

/** Writes `ops` of one conversation in one transaction: one counter update, one multi-row insert. */
export function rawPush(db: RawDb, senderId: string, ops: readonly MessageOp[]): Promise<void> {
  return db.transaction((query) => appendRaw(query, senderId, ops));
}

async function appendRaw(query: RawQuery, senderId: string, ops: readonly MessageOp[]) {
  const conversationId = (ops[0] as MessageOp).conversationId;
  const [head] = await query(
    "UPDATE conversations SET last_seq = last_seq + $2 WHERE id = $1 RETURNING last_seq",
    [conversationId, ops.length],
  );
  const firstSeq = Number(head?.last_seq) - ops.length + 1;
  const params: unknown[] = [conversationId, senderId];
  const rows = ops.map((op, i) => {
    const at = params.length + 1;
    params.push(firstSeq + i, op.clientId, JSON.stringify(op.body));
    return `($1, $${at}, $${at + 1}, $2, 'message', $${at + 2}::jsonb)`;
  });
  await query(
    `INSERT INTO events (conversation_id, seq, client_id, sender_id, type, body)
     VALUES ${rows.join(", ")}`,
    params,
  );
}

/**
 * Group commit with the raw driver: callers queue ops, and one writer at a
 * time takes everything queued into a single transaction, one counter
 * update and one insert per conversation. The ceiling for a hot conversation.
 */
export function createRawGroupCommitter(db: RawDb, senderId: string) {
  let queued: { op: MessageOp; done: () => void; failed: (error: unknown) => void }[] = [];
  let writing = false;

  async function drain(): Promise<void> {
    writing = true;
    while (queued.length > 0) {
      const batch = queued.slice(0, 1000);
      queued = queued.slice(batch.length);
      const byConversation = new Map<string, MessageOp[]>();
      for (const { op } of batch) {
        byConversation.set(op.conversationId, [
          ...(byConversation.get(op.conversationId) ?? []),
          op,
        ]);
      }
      try {
        await db.transaction(async (query) => {
          for (const ops of byConversation.values()) await appendRaw(query, senderId, ops);
        });
        for (const entry of batch) entry.done();
      } catch (error) {
        for (const entry of batch) entry.failed(error);
      }
    }
    writing = false;
  }

  return (op: MessageOp): Promise<void> =>
    new Promise((done, failed) => {
      queued.push({ op, done, failed });
      if (!writing) void drain();
    });
}

/**
 * The push statements of the server's code when this bench was written
 * (packages/server/src/sync/push.ts and sequencer.ts), replayed through the
 * raw driver: the "ORM tax" row compares the server with these.
 * TODO: keep in step with the server's push statements, because a change
 * there (group commit) is not seen here.
 */
export function replayServerPush(
  db: RawDb,
  senderId: string,
  ops: readonly MessageOp[],
): Promise<void> {
  const conversationId = (ops[0] as MessageOp).conversationId;
  return db.transaction(async (query) => {
    const [head] = await query(
      `SELECT last_seq, epoch, ${isoTime("clock_timestamp()")} AS now
         FROM conversations WHERE id = $1 FOR NO KEY UPDATE`,
      [conversationId],
    );
    await query(
      `SELECT user_id FROM members
        WHERE conversation_id = $1 AND removed_at IS NULL ORDER BY user_id`,
      [conversationId],
    );
    await query(
      `SELECT ${eventColumns} FROM events WHERE conversation_id = $1 AND client_id = ANY($2::text[])`,
      [conversationId, ops.map((op) => op.clientId)],
    );
    const lastSeq = Number(head?.last_seq);
    const params: unknown[] = [conversationId, head?.now];
    const rows = ops.map((op, i) => {
      const at = params.length + 1;
      params.push(lastSeq + i + 1, op.clientId, senderId, op.type, JSON.stringify(op.body));
      return `($1, $${at}, $${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}::text::jsonb, $2::timestamptz)`;
    });
    await query(
      `INSERT INTO events (conversation_id, seq, client_id, sender_id, type, body, created_at)
       VALUES ${rows.join(", ")}`,
      params,
    );
    await query("UPDATE conversations SET last_seq = $2 WHERE id = $1", [
      conversationId,
      lastSeq + ops.length,
    ]);
    await query(
      `UPDATE members SET read_seq = GREATEST(read_seq, $3)
        WHERE conversation_id = $1 AND user_id = $2`,
      [conversationId, senderId, lastSeq + ops.length],
    );
  });
}

/** Formats a timestamptz as ISO 8601 in SQL, as the server's statements do. */
export function isoTime(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** The event columns the server's pull and push statements select. */
export const eventColumns = [
  "conversation_id",
  "seq",
  "client_id",
  "sender_id",
  "type",
  "body",
  `${isoTime("created_at")} AS created_at`,
].join(", ");
