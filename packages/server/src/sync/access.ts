import { ProtocolError } from "@syncline/protocol";
import type { SqlRunner } from "../store/store.ts";

/**
 * The one place that decides who may see or touch a conversation. Every
 * route and every socket frame calls this module, and every fanout goes to
 * the member list read here at send time, so a removal takes effect at once,
 * also on sockets opened before it. A removed member counts as a
 * non-member: the member row keeps its watermarks, but nothing is served.
 */

/** A conversation's head as a member may see it. */
export interface MemberView {
  lastSeq: number;
  epoch: string;
  readSeq: number;
}

/**
 * Reads a conversation for one of its members. Throws `not_found` when it
 * does not exist and `forbidden` when the user is not a current member.
 */
export async function readAsMember(
  runner: SqlRunner,
  conversationId: string,
  userId: string,
): Promise<MemberView> {
  const rows = await runner.query<{
    last_seq: string | number;
    epoch: string;
    read_seq: string | number | null;
  }>(
    `SELECT c.last_seq, c.epoch, m.read_seq
       FROM conversations c
       LEFT JOIN members m
         ON m.conversation_id = c.id AND m.user_id = $2 AND m.removed_at IS NULL
      WHERE c.id = $1`,
    [conversationId, userId],
  );
  const row = rows[0];
  if (row === undefined) throw notFound(conversationId);
  if (row.read_seq === null) throw notMember(conversationId, userId);
  return { lastSeq: Number(row.last_seq), epoch: row.epoch, readSeq: Number(row.read_seq) };
}

/**
 * Returns the current members of a conversation, sorted, after checking
 * that `userId` is one of them. Throws `not_found` or `forbidden` like
 * {@link readAsMember}.
 */
export async function requireMember(
  runner: SqlRunner,
  conversationId: string,
  userId: string,
): Promise<string[]> {
  const rows = await runner.query<{ members: string[] }>(
    `SELECT ARRAY(SELECT m.user_id FROM members m
                   WHERE m.conversation_id = c.id AND m.removed_at IS NULL
                   ORDER BY m.user_id) AS members
       FROM conversations c WHERE c.id = $1`,
    [conversationId],
  );
  const row = rows[0];
  if (row === undefined) throw notFound(conversationId);
  const error = memberError(row.members, conversationId, userId);
  if (error !== undefined) throw error;
  return row.members;
}

/** Returns the `forbidden` error when `userId` is not in `memberIds`, else undefined. */
export function memberError(
  memberIds: readonly string[],
  conversationId: string,
  userId: string,
): ProtocolError | undefined {
  return memberIds.includes(userId) ? undefined : notMember(conversationId, userId);
}

/**
 * Lists the users who share at least one conversation with `userId`, the
 * audience of that user's presence. Conversations with more than
 * `maxGroupSize` members are left out, so large groups get no presence fanout.
 * Members are counted only up to `maxGroupSize + 1`, so a connect in a
 * 10,000-member group reads a hundred member rows, not all of them.
 */
export async function listPresenceAudience(
  runner: SqlRunner,
  userId: string,
  maxGroupSize: number,
): Promise<string[]> {
  const rows = await runner.query<{ user_id: string }>(
    `SELECT DISTINCT o.user_id
       FROM members m
       JOIN members o ON o.conversation_id = m.conversation_id AND o.removed_at IS NULL
      WHERE m.user_id = $1 AND m.removed_at IS NULL AND o.user_id <> $1
        AND (SELECT count(*) FROM (
               SELECT 1 FROM members g
                WHERE g.conversation_id = m.conversation_id AND g.removed_at IS NULL
                LIMIT $2 + 1) AS g) <= $2
      ORDER BY o.user_id`,
    [userId, maxGroupSize],
  );
  return rows.map((row) => row.user_id);
}

/** Keeps those of `candidateIds` who share at least one conversation with `userId`, of any size. */
export async function filterContacts(
  runner: SqlRunner,
  userId: string,
  candidateIds: readonly string[],
): Promise<string[]> {
  const rows = await runner.query<{ user_id: string }>(
    `SELECT DISTINCT o.user_id
       FROM members m
       JOIN members o ON o.conversation_id = m.conversation_id AND o.removed_at IS NULL
      WHERE m.user_id = $1 AND m.removed_at IS NULL AND o.user_id = ANY($2::text[])
      ORDER BY o.user_id`,
    [userId, [...candidateIds]],
  );
  return rows.map((row) => row.user_id);
}

/** Builds the error for an unknown conversation id. */
export function notFound(conversationId: string): ProtocolError {
  return new ProtocolError("not_found", `Conversation ${conversationId} does not exist.`);
}

/** Builds the error for a user who is not a current member. */
export function notMember(conversationId: string, userId: string): ProtocolError {
  return new ProtocolError(
    "forbidden",
    `User ${userId} is not a member of conversation ${conversationId}.`,
  );
}
