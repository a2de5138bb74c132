import type { ReceiptOutcome } from "../sync/receipts.ts";
import type { CommitNotice, Notifier } from "./notifier.ts";

/** A receipt that was applied for one member of one conversation. */
export interface AppliedReceipt {
  conversationId: string;
  userId: string;
  outcome: ReceiptOutcome;
}

/**
 * Sends the frames of an applied receipt, only for the watermarks that
 * moved. A `read` frame goes to every member, the reader's own other
 * sockets included, so their unread badges clear too. A `delivered` frame
 * goes to the other members.
 */
export function sendReceiptFrames(notifier: Notifier, receipt: AppliedReceipt): void {
  const { conversationId, userId, outcome } = receipt;
  if (outcome.readMoved) {
    const frame = { type: "read", conversationId, userId, seq: outcome.readSeq } as const;
    notifier.send(frame, outcome.memberIds);
  }
  if (outcome.deliveredMoved) {
    const others = outcome.memberIds.filter((memberId) => memberId !== userId);
    const frame = { type: "delivered", conversationId, userId, seq: outcome.deliveredSeq } as const;
    notifier.send(frame, others);
  }
}

/**
 * Publishes a commit's `notify`, then the receipts it implies: sending an
 * event moves the sender's read and delivered watermarks up to it (see
 * `appendEvents`). Both always move, because a watermark never exceeds
 * the latest seq and the sender's new event is above it. A member removed
 * by this commit gets its last notify but no receipt frames.
 */
export function publishCommit(notifier: Notifier, commit: CommitNotice): void {
  notifier.publish(commit);

  const removed = new Set(
    commit.events.flatMap((event) =>
      event.type === "member.removed" ? [String(event.body.userId)] : [],
    ),
  );
  const memberIds = commit.memberIds.filter((memberId) => !removed.has(memberId));
  const highestSeqBySender = new Map<string, number>();
  for (const event of commit.events) highestSeqBySender.set(event.senderId, event.seq);
  for (const [userId, seq] of highestSeqBySender) {
    if (!memberIds.includes(userId)) continue;
    const outcome = {
      readSeq: seq,
      deliveredSeq: seq,
      readMoved: true,
      deliveredMoved: true,
      memberIds,
    };
    sendReceiptFrames(notifier, { conversationId: commit.conversationId, userId, outcome });
  }
}
