import type { Event } from "@syncline/protocol";
import type { ConversationRow, MemberWatermarks, OutboxRow } from "./db.ts";
import { type FoldedMessage, foldEvents, toggleReaction, toReactions } from "./fold.ts";
import type { Message, PendingOp } from "./types.ts";

/** The inputs of one conversation's message view, read in one transaction. */
export interface MessageViewInput {
  userId: string;
  events: readonly Event[];
  /** The conversation's outbox rows in send order. */
  outbox: readonly OutboxRow[];
  conversation: ConversationRow | undefined;
}

/**
 * Builds the messages the app shows: the confirmed fold in seq order, with
 * the user's pending edits, deletes and reactions applied on top in send
 * order, then pending and failed messages in send order. An outbox row
 * whose event is already confirmed is left out, so nothing applies twice.
 */
export function buildMessageView(input: MessageViewInput): Message[] {
  const { userId, events, conversation } = input;
  const confirmedIds = new Set(
    events.filter((event) => event.senderId === userId).map((event) => event.clientId),
  );
  const outbox = input.outbox.filter((row) => !confirmedIds.has(row.clientId));
  const folded = foldEvents(events);
  const bySeq = new Map(folded.map((message) => [message.seq, message]));
  const opsBySeq = new Map<number, PendingOp[]>();
  const pendingEditAt = new Map<number, string>();
  for (const row of outbox) {
    if (row.type === "message") continue;
    const target = bySeq.get(row.body.targetSeq);
    // TODO: list failed ops whose target is not stored, because the view has no place for them.
    // Until then the app cannot see, retry or discard such an op.
    if (target === undefined) continue;
    opsBySeq.set(target.seq, [...(opsBySeq.get(target.seq) ?? []), toPendingOp(row)]);
    if (row.state === "pending") applyPendingRow(target, row, userId, pendingEditAt);
  }
  const receipts = receiptContext(conversation, userId, events);
  const confirmed = folded.map((message) =>
    toMessage(message, userId, {
      pendingOps: opsBySeq.get(message.seq) ?? [],
      editedAt: pendingEditAt.get(message.seq) ?? message.editedAt,
      receipts,
    }),
  );
  const queued = outbox.flatMap((row) => outboxToMessage(row) ?? []);
  return [...confirmed, ...queued];
}

function applyPendingRow(
  target: FoldedMessage,
  row: OutboxRow,
  userId: string,
  pendingEditAt: Map<number, string>,
): void {
  if (target.deleted) return;
  if (row.type === "message.edit") {
    target.text = row.body.text;
    pendingEditAt.set(target.seq, row.createdAt);
  } else if (row.type === "message.delete") {
    target.deleted = true;
    target.text = "";
    target.reactors.clear();
  } else if (row.type === "reaction.add" || row.type === "reaction.remove") {
    toggleReaction(target, row.body.emoji, userId, row.type === "reaction.add");
  }
}

function toPendingOp(row: OutboxRow): PendingOp {
  const op: PendingOp = {
    clientId: row.clientId,
    type: row.type as PendingOp["type"],
    state: row.state,
  };
  if (row.error !== undefined) op.error = row.error;
  return op;
}

/** The other members and their effective watermarks, for the states of the user's messages. */
interface ReceiptContext {
  others: Array<MemberWatermarks>;
}

/**
 * Collects each other member's watermarks. A member's read position is at
 * least the seq of their own latest message, because sending implies
 * reading, and a message read is also delivered.
 */
function receiptContext(
  conversation: ConversationRow | undefined,
  userId: string,
  events: readonly Event[],
): ReceiptContext {
  if (conversation === undefined) return { others: [] };
  const lastSentSeq = new Map<string, number>();
  for (const event of events) {
    if (event.type !== "message") continue;
    lastSentSeq.set(event.senderId, Math.max(lastSentSeq.get(event.senderId) ?? 0, event.seq));
  }
  const others = conversation.members
    .filter((member) => member !== userId)
    .map((member) => {
      const stored = conversation.memberStates?.[member] ?? { readSeq: 0, deliveredSeq: 0 };
      const readSeq = Math.max(stored.readSeq, lastSentSeq.get(member) ?? 0);
      return { readSeq, deliveredSeq: Math.max(stored.deliveredSeq, readSeq) };
    });
  return { others };
}

function toMessage(
  folded: FoldedMessage,
  userId: string,
  extra: { pendingOps: PendingOp[]; editedAt: string | null; receipts: ReceiptContext },
): Message {
  const message: Message = {
    clientId: folded.clientId,
    conversationId: folded.conversationId,
    senderId: folded.senderId,
    text: folded.text,
    seq: folded.seq,
    createdAt: folded.createdAt,
    state: "sent",
    editedAt: extra.editedAt,
    deleted: folded.deleted,
    reactions: toReactions(folded, userId),
    pendingOps: extra.pendingOps,
  };
  if (folded.senderId !== userId) return message;
  const { others } = extra.receipts;
  const deliveredCount = others.filter((member) => member.deliveredSeq >= folded.seq).length;
  const readCount = others.filter((member) => member.readSeq >= folded.seq).length;
  message.deliveredCount = deliveredCount;
  message.readCount = readCount;
  if (others.length > 0 && readCount === others.length) message.state = "read";
  else if (others.length > 0 && deliveredCount === others.length) message.state = "delivered";
  return message;
}

/** Returns the message an outbox row shows, or null for other op types. */
export function outboxToMessage(row: OutboxRow): Message | null {
  if (row.type !== "message") return null;
  const message: Message = {
    clientId: row.clientId,
    conversationId: row.conversationId,
    senderId: row.senderId,
    text: row.body.text,
    seq: null,
    createdAt: row.createdAt,
    state: row.state,
    editedAt: null,
    deleted: false,
    reactions: [],
    pendingOps: [],
  };
  if (row.error !== undefined) message.error = row.error;
  return message;
}
