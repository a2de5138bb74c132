import { randomUUID } from "node:crypto";
import {
  type Conversation,
  type createConversationRequestSchema,
  ProtocolError,
} from "@syncline/protocol";
import { isoTime } from "../store/event-rows.ts";
import type { SqlRunner, Store } from "../store/store.ts";

/** A create request after parsing, with its defaults applied. */
export type NewConversation = ReturnType<typeof createConversationRequestSchema.parse>;

/**
 * Creates a conversation with the caller and the named users as members.
 * Creation appends no event, so the log starts empty at seq 0. Throws
 * `conflict` when the id is taken.
 */
export async function createConversation(
  store: Store,
  callerId: string,
  request: NewConversation,
): Promise<Conversation> {
  const { id = randomUUID(), title = null, members: named } = request;
  const memberIds = [...new Set([callerId, ...named])].sort();

  const created = await store.transaction(async (tx) => {
    const rows = await tx.query<{ created_at: string; epoch: string }>(
      `INSERT INTO conversations (id, title, epoch) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING
         RETURNING ${isoTime("created_at")} AS created_at, epoch`,
      [id, title, randomUUID()],
    );
    const row = rows[0];
    if (row === undefined) {
      throw new ProtocolError("conflict", `Conversation ${id} already exists; choose another id.`, {
        field: "id",
      });
    }
    await tx.query("INSERT INTO members (conversation_id, user_id) SELECT $1, unnest($2::text[])", [
      id,
      memberIds,
    ]);
    return row;
  });

  return {
    id,
    title,
    createdAt: created.created_at,
    latestSeq: 0,
    members: memberIds,
    epoch: created.epoch,
    readSeq: 0,
    unreadCount: 0,
    memberStates: memberIds.map((userId) => ({ userId, readSeq: 0, deliveredSeq: 0 })),
  };
}

interface ConversationRow {
  [column: string]: unknown;
  id: string;
  title: string | null;
  created_at: string;
  last_seq: string | number;
  epoch: string;
  members: string[];
  read_seq: string | number;
  unread_count: string | number;
  member_states: { userId: string; readSeq: string | number; deliveredSeq: string | number }[];
}

/**
 * Lists the caller's conversations with their members, every member's
 * watermarks, the caller's read position, and the count of messages after
 * it that others sent.
 */
export async function listConversations(
  runner: SqlRunner,
  userId: string,
): Promise<Conversation[]> {
  const rows = await runner.query<ConversationRow>(
    `SELECT c.id, c.title, ${isoTime("c.created_at")} AS created_at, c.last_seq, c.epoch,
            m.read_seq,
            ARRAY(SELECT o.user_id FROM members o
                   WHERE o.conversation_id = c.id AND o.removed_at IS NULL
                   ORDER BY o.user_id) AS members,
            (SELECT json_agg(json_build_object('userId', s.user_id, 'readSeq', s.read_seq,
                                               'deliveredSeq', s.delivered_seq)
                             ORDER BY s.user_id)
               FROM members s
              WHERE s.conversation_id = c.id AND s.removed_at IS NULL) AS member_states,
            (SELECT count(*) FROM events e
              WHERE e.conversation_id = c.id AND e.seq > m.read_seq
                AND e.type = 'message' AND e.sender_id <> $1) AS unread_count
       FROM members m JOIN conversations c ON c.id = m.conversation_id
      WHERE m.user_id = $1 AND m.removed_at IS NULL
      ORDER BY c.id`,
    [userId],
  );
  return rows.map((row) => ({
    id: row.id,
    title: row.title,
    createdAt: row.created_at,
    latestSeq: Number(row.last_seq),
    members: row.members,
    epoch: row.epoch,
    readSeq: Number(row.read_seq),
    unreadCount: Number(row.unread_count),
    memberStates: row.member_states.map((state) => ({
      userId: state.userId,
      readSeq: Number(state.readSeq),
      deliveredSeq: Number(state.deliveredSeq),
    })),
  }));
}
