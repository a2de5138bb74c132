import { randomUUID } from "node:crypto";
import { ProtocolError } from "@syncline/protocol";
import type { SqlRunner } from "../store/store.ts";
import { memberError, notFound } from "./access.ts";
import type { Commit, PushContext } from "./push.ts";
import { appendEvents, listMemberIds, lockHead } from "./sequencer.ts";
import { runTransaction } from "./transaction.ts";

/** A membership change requested by `callerId`, who must be a current member. */
export interface MemberChange {
  conversationId: string;
  callerId: string;
  userId: string;
}

/** The seq of the appended membership event and the commit to fan out. */
export interface MemberChangeOutcome {
  seq: number;
  commit: Commit;
}

/**
 * Adds a member and appends a `member.added` event through the sequencer.
 * A removed member is re-added on the same row and keeps its read
 * position. Throws `conflict` when the user is already a member.
 */
export function addMember(
  context: PushContext,
  change: MemberChange,
): Promise<MemberChangeOutcome> {
  return changeMembership(context, change, async (tx, memberIds) => {
    if (memberIds.includes(change.userId)) {
      throw new ProtocolError(
        "conflict",
        `User ${change.userId} is already a member of conversation ${change.conversationId}.`,
        { field: "userId" },
      );
    }
    await tx.query(
      `INSERT INTO members (conversation_id, user_id) VALUES ($1, $2)
       ON CONFLICT (conversation_id, user_id)
       DO UPDATE SET removed_at = NULL, joined_at = now()`,
      [change.conversationId, change.userId],
    );
    return { type: "member.added", fanout: [...memberIds, change.userId] };
  });
}

/**
 * Removes a member, keeping its row with `removed_at` set, and appends a
 * `member.removed` event. The removed user's sockets get this last notify
 * and none after it. Throws `not_found` when the user is not a member.
 */
export function removeMember(
  context: PushContext,
  change: MemberChange,
): Promise<MemberChangeOutcome> {
  return changeMembership(context, change, async (tx, memberIds) => {
    if (!memberIds.includes(change.userId)) {
      throw new ProtocolError(
        "not_found",
        `User ${change.userId} is not a member of conversation ${change.conversationId}.`,
        { field: "userId" },
      );
    }
    await tx.query(
      `UPDATE members SET removed_at = now()
        WHERE conversation_id = $1 AND user_id = $2`,
      [change.conversationId, change.userId],
    );
    return { type: "member.removed", fanout: memberIds };
  });
}

type ApplyChange = (
  tx: SqlRunner,
  memberIds: string[],
) => Promise<{ type: "member.added" | "member.removed"; fanout: string[] }>;

async function changeMembership(
  context: PushContext,
  change: MemberChange,
  apply: ApplyChange,
): Promise<MemberChangeOutcome> {
  const { conversationId, callerId, userId } = change;
  return runTransaction(
    context.store,
    async (tx) => {
      const head = await lockHead(tx, conversationId);
      if (head === undefined) throw notFound(conversationId);
      const memberIds = await listMemberIds(tx, conversationId);
      const denied = memberError(memberIds, conversationId, callerId);
      if (denied !== undefined) throw denied;

      const { type, fanout } = await apply(tx, memberIds);
      const draft = {
        seq: head.lastSeq + 1,
        clientId: `server-${randomUUID()}`,
        senderId: callerId,
        type,
        body: { userId },
      };
      const events = await appendEvents(tx, conversationId, head, [draft]);
      await context.beforeCommit?.({ conversationIds: [conversationId], seqs: [draft.seq] });

      const commit = { conversationId, latestSeq: draft.seq, events, memberIds: fanout };
      return { seq: draft.seq, commit };
    },
    context,
  );
}
