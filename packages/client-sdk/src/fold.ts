import {
  type Event,
  editBodySchema,
  messageBodySchema,
  reactionBodySchema,
} from "@syncline/protocol";

/** One emoji's reactions on a message. */
export interface Reaction {
  emoji: string;
  /** How many distinct users reacted with this emoji. */
  count: number;
  reactedByMe: boolean;
}

/** A confirmed message after its edits, delete and reactions were applied. */
export interface FoldedMessage {
  clientId: string;
  conversationId: string;
  senderId: string;
  seq: number;
  createdAt: string;
  /** The latest edit's text; "" once deleted. */
  text: string;
  /** The server time of the edit that set `text`; null when never edited. */
  editedAt: string | null;
  deleted: boolean;
  /** The users who reacted, per emoji, in the order each emoji first appeared. */
  reactors: Map<string, Set<string>>;
}

/**
 * Folds a conversation's events into its messages. The events are sorted
 * by seq first, so the result does not depend on the order they were
 * stored in. Only the sender's own edits and deletes count, an edit or a
 * reaction on a deleted message is ignored, and a delete clears the
 * message's reactions. An event that targets no known message is skipped.
 */
export function foldEvents(events: readonly Event[]): FoldedMessage[] {
  const bySeq = new Map<number, FoldedMessage>();
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  for (const event of sorted) applyEvent(bySeq, event);
  return [...bySeq.values()];
}

/** Applies one event, in seq order, to the messages folded so far. */
export function applyEvent(bySeq: Map<number, FoldedMessage>, event: Event): void {
  if (event.type === "message") {
    const body = messageBodySchema.safeParse(event.body);
    if (!body.success || bySeq.has(event.seq)) return;
    bySeq.set(event.seq, newMessage(event, body.data.text));
    return;
  }
  const target = targetOf(bySeq, event);
  if (target === undefined) return;
  if (event.type === "message.edit") {
    const body = editBodySchema.safeParse(event.body);
    if (!body.success || target.senderId !== event.senderId) return;
    target.text = body.data.text;
    target.editedAt = event.createdAt;
  } else if (event.type === "message.delete") {
    if (target.senderId !== event.senderId) return;
    target.deleted = true;
    target.text = "";
    target.reactors.clear();
  } else if (event.type === "reaction.add" || event.type === "reaction.remove") {
    const body = reactionBodySchema.safeParse(event.body);
    if (!body.success) return;
    toggleReaction(target, body.data.emoji, event.senderId, event.type === "reaction.add");
  }
}

/** Adds or removes one user's reaction; an emoji with no users left is dropped. */
export function toggleReaction(
  message: FoldedMessage,
  emoji: string,
  userId: string,
  add: boolean,
): void {
  if (message.deleted) return;
  const users = message.reactors.get(emoji) ?? new Set<string>();
  if (add) users.add(userId);
  else users.delete(userId);
  if (users.size === 0) message.reactors.delete(emoji);
  else message.reactors.set(emoji, users);
}

/** Lists a message's reactions for the view, from the user's point of view. */
export function toReactions(message: FoldedMessage, userId: string): Reaction[] {
  return [...message.reactors].map(([emoji, users]) => ({
    emoji,
    count: users.size,
    reactedByMe: users.has(userId),
  }));
}

function newMessage(event: Event, text: string): FoldedMessage {
  return {
    clientId: event.clientId,
    conversationId: event.conversationId,
    senderId: event.senderId,
    seq: event.seq,
    createdAt: event.createdAt,
    text,
    editedAt: null,
    deleted: false,
    reactors: new Map(),
  };
}

/** Returns the live message an edit, delete or reaction points at, if any. */
function targetOf(bySeq: Map<number, FoldedMessage>, event: Event): FoldedMessage | undefined {
  const targetSeq = event.body.targetSeq;
  if (typeof targetSeq !== "number" || targetSeq >= event.seq) return undefined;
  const target = bySeq.get(targetSeq);
  return target === undefined || target.deleted ? undefined : target;
}
