import type { Event } from "@syncline/protocol";
import { type EventRow, eventColumns, isoTime, toEvent } from "../store/event-rows.ts";
import type { SqlRunner } from "../store/store.ts";
import type { ConversationHead, EventDraft } from "./sequencer.ts";

/**
 * The statements of one push batch, each covering every conversation of
 * the batch at once, so a batch costs the same few round trips whether it
 * writes to one conversation or to a hundred.
 */

/**
 * Locks the counter rows of `conversationIds` until COMMIT, in id order so
 * that concurrent batches never deadlock, and reads them. A conversation
 * that does not exist has no entry.
 */
export async function lockHeads(
  tx: SqlRunner,
  conversationIds: readonly string[],
): Promise<Map<string, ConversationHead>> {
  const rows = await tx.query<{
    id: string;
    last_seq: string | number;
    epoch: string;
    now: string;
  }>(
    `SELECT id, last_seq, epoch, ${isoTime("clock_timestamp()")} AS now
       FROM conversations WHERE id = ANY($1::text[]) ORDER BY id FOR NO KEY UPDATE`,
    [conversationIds],
  );
  return new Map(
    rows.map((row) => [row.id, { lastSeq: Number(row.last_seq), epoch: row.epoch, now: row.now }]),
  );
}

/** Lists the current members of each conversation, sorted by user id. */
export async function listMembersOf(
  tx: SqlRunner,
  conversationIds: readonly string[],
): Promise<Map<string, string[]>> {
  const rows = await tx.query<{ conversation_id: string; user_id: string }>(
    `SELECT conversation_id, user_id FROM members
      WHERE conversation_id = ANY($1::text[]) AND removed_at IS NULL
      ORDER BY conversation_id, user_id`,
    [conversationIds],
  );
  const members = new Map(conversationIds.map((id) => [id, [] as string[]]));
  for (const row of rows) members.get(row.conversation_id)?.push(row.user_id);
  return members;
}

/** A client id in a conversation: the key that makes an op unique. */
export interface OpKey {
  conversationId: string;
  clientId: string;
}

/** Finds the stored events of the given client ids, by conversation and then client id. */
export async function findCommitted(
  tx: SqlRunner,
  keys: readonly OpKey[],
): Promise<Map<string, Map<string, Event>>> {
  const found = new Map<string, Map<string, Event>>();
  if (keys.length === 0) return found;
  const requested = new Set(keys.map((key) => pairKey(key.conversationId, key.clientId)));
  // Both lists match as a cross product; the pairs are checked below.
  const rows = await tx.query<EventRow>(
    `SELECT ${eventColumns} FROM events
      WHERE conversation_id = ANY($1::text[]) AND client_id = ANY($2::text[])`,
    [unique(keys.map((key) => key.conversationId)), unique(keys.map((key) => key.clientId))],
  );
  for (const row of rows) {
    if (!requested.has(pairKey(row.conversation_id, row.client_id))) continue;
    const byClientId = found.get(row.conversation_id) ?? new Map<string, Event>();
    byClientId.set(row.client_id, toEvent(row));
    found.set(row.conversation_id, byClientId);
  }
  return found;
}

/** A message that an edit, delete or reaction points at. */
export interface TargetKey {
  conversationId: string;
  seq: number;
}

/**
 * Finds the sender of each targeted message that exists and is not
 * deleted, by conversation and then seq. A target that is no message, or a
 * deleted one, has no entry.
 */
export async function findTargetSenders(
  tx: SqlRunner,
  keys: readonly TargetKey[],
): Promise<Map<string, Map<number, string>>> {
  const found = new Map<string, Map<number, string>>();
  if (keys.length === 0) return found;
  const requested = new Set(keys.map((key) => pairKey(key.conversationId, String(key.seq))));
  // The NOT EXISTS probe matches events_delete_target_idx, so it reads no other events.
  const rows = await tx.query<{ conversation_id: string; seq: string | number; sender_id: string }>(
    `SELECT e.conversation_id, e.seq, e.sender_id FROM events e
      WHERE e.conversation_id = ANY($1::text[]) AND e.seq = ANY($2::bigint[]) AND e.type = 'message'
        AND NOT EXISTS (
          SELECT 1 FROM events d
           WHERE d.conversation_id = e.conversation_id AND d.seq > e.seq
             AND d.type = 'message.delete' AND (d.body->>'targetSeq') = e.seq::text)`,
    [unique(keys.map((key) => key.conversationId)), unique(keys.map((key) => key.seq))],
  );
  for (const row of rows) {
    const seq = Number(row.seq);
    if (!requested.has(pairKey(row.conversation_id, String(seq)))) continue;
    const bySeq = found.get(row.conversation_id) ?? new Map<number, string>();
    bySeq.set(seq, row.sender_id);
    found.set(row.conversation_id, bySeq);
  }
  return found;
}

/** New events of one conversation, with its head as read under the lock. */
export interface ConversationDrafts {
  conversationId: string;
  head: ConversationHead;
  drafts: readonly EventDraft[];
}

/**
 * Inserts the drafts of every conversation in one statement, moves each
 * counter to its last new seq, and raises each sender's read and delivered
 * watermarks to their own highest new seq (sending implies reading). The
 * caller holds the locks from {@link lockHeads}.
 */
export async function appendBatch(
  tx: SqlRunner,
  written: readonly ConversationDrafts[],
): Promise<void> {
  const nonEmpty = written.filter((entry) => entry.drafts.length > 0);
  if (nonEmpty.length === 0) return;
  // Sent together: on Postgres the three writes share one round trip.
  await Promise.all([
    insertDrafts(tx, nonEmpty),
    tx.query(
      `UPDATE conversations c SET last_seq = v.last_seq
         FROM unnest($1::text[], $2::bigint[]) AS v(id, last_seq) WHERE c.id = v.id`,
      [
        nonEmpty.map((entry) => entry.conversationId),
        nonEmpty.map((entry) => entry.head.lastSeq + entry.drafts.length),
      ],
    ),
    raiseSenderWatermarks(tx, nonEmpty),
  ]);
}

async function insertDrafts(tx: SqlRunner, written: readonly ConversationDrafts[]): Promise<void> {
  const rows = written.flatMap(({ conversationId, head, drafts }) =>
    drafts.map((draft) => ({ conversationId, createdAt: head.now, ...draft })),
  );
  await tx.query(
    `INSERT INTO events (conversation_id, seq, client_id, sender_id, type, body, created_at)
     SELECT v.conversation_id, v.seq, v.client_id, v.sender_id, v.type, v.body::jsonb,
            v.created_at::timestamptz
       FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
                   $7::text[])
         AS v(conversation_id, seq, client_id, sender_id, type, body, created_at)`,
    [
      rows.map((row) => row.conversationId),
      rows.map((row) => row.seq),
      rows.map((row) => row.clientId),
      rows.map((row) => row.senderId),
      rows.map((row) => row.type),
      rows.map((row) => JSON.stringify(row.body)),
      rows.map((row) => row.createdAt),
    ],
  );
}

async function raiseSenderWatermarks(
  tx: SqlRunner,
  written: readonly ConversationDrafts[],
): Promise<void> {
  const conversationIds: string[] = [];
  const userIds: string[] = [];
  const seqs: number[] = [];
  for (const { conversationId, drafts } of written) {
    for (const [senderId, seq] of highestSeqBySender(drafts)) {
      conversationIds.push(conversationId);
      userIds.push(senderId);
      seqs.push(seq);
    }
  }
  await tx.query(
    `UPDATE members m
        SET read_seq = GREATEST(m.read_seq, v.seq), delivered_seq = GREATEST(m.delivered_seq, v.seq)
       FROM unnest($1::text[], $2::text[], $3::bigint[]) AS v(conversation_id, user_id, seq)
      WHERE m.conversation_id = v.conversation_id AND m.user_id = v.user_id`,
    [conversationIds, userIds, seqs],
  );
}

function highestSeqBySender(drafts: readonly EventDraft[]): Map<string, number> {
  const highest = new Map<string, number>();
  for (const draft of drafts) {
    highest.set(draft.senderId, Math.max(highest.get(draft.senderId) ?? 0, draft.seq));
  }
  return highest;
}

function pairKey(first: string, second: string): string {
  return JSON.stringify([first, second]);
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
