import { ProtocolError } from "@syncline/protocol";
import type { SqlRunner } from "../store/store.ts";

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
