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
 * The statements of one server push batch (packages/server/src/sync/batch-statements.ts)
 * when this bench was written, for one sender's ops in one conversation, replayed
 * through the raw driver with the same pipelining: the "ORM tax" row compares the
 * server with these. The server's grouping of concurrent pushes is not replayed.
 * TODO: keep in step with batch-statements.ts, because a change there is not seen here.
 */
export function replayServerPush(
  db: RawDb,
  senderId: string,
  ops: readonly MessageOp[],
): Promise<void> {
  const conversationId = (ops[0] as MessageOp).conversationId;
  const ids = [conversationId];
  return db.transaction(async (query) => {
    const [head] = await query(
      `SELECT id, last_seq, epoch, ${isoTime("clock_timestamp()")} AS now
         FROM conversations WHERE id = ANY($1::text[]) ORDER BY id FOR NO KEY UPDATE`,
      [ids],
    );
    await Promise.all([
      query(
        `SELECT conversation_id, user_id FROM members
          WHERE conversation_id = ANY($1::text[]) AND removed_at IS NULL
          ORDER BY conversation_id, user_id`,
        [ids],
      ),
      query(
        `SELECT ${eventColumns} FROM events
          WHERE conversation_id = ANY($1::text[]) AND client_id = ANY($2::text[])`,
        [ids, ops.map((op) => op.clientId)],
      ),
    ]);
    const lastSeq = Number(head?.last_seq);
    const seqs = ops.map((_, i) => lastSeq + i + 1);
    await Promise.all([
      query(
        `INSERT INTO events (conversation_id, seq, client_id, sender_id, type, body, created_at)
         SELECT v.conversation_id, v.seq, v.client_id, v.sender_id, v.type, v.body::jsonb,
                v.created_at::timestamptz
           FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
                       $7::text[])
             AS v(conversation_id, seq, client_id, sender_id, type, body, created_at)`,
        [
          ops.map(() => conversationId),
          seqs,
          ops.map((op) => op.clientId),
          ops.map(() => senderId),
          ops.map((op) => op.type),
          ops.map((op) => JSON.stringify(op.body)),
          ops.map(() => head?.now),
        ],
      ),
      query(
        `UPDATE conversations c SET last_seq = v.last_seq
           FROM unnest($1::text[], $2::bigint[]) AS v(id, last_seq) WHERE c.id = v.id`,
        [ids, [lastSeq + ops.length]],
      ),
      query(
        `UPDATE members m
            SET read_seq = GREATEST(m.read_seq, v.seq), delivered_seq = GREATEST(m.delivered_seq, v.seq)
           FROM unnest($1::text[], $2::text[], $3::bigint[]) AS v(conversation_id, user_id, seq)
          WHERE m.conversation_id = v.conversation_id AND m.user_id = v.user_id`,
        [ids, [senderId], [lastSeq + ops.length]],
      ),
    ]);
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
