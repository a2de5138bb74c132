import type { Event } from "@syncline/protocol";
import { Dexie } from "dexie";
import type { ConversationRow, OutboxRow, SynclineDb } from "./db.ts";
import type { ConversationSummary, Message } from "./types.ts";

/**
 * Reads the messages of a conversation as the app shows them: confirmed
 * `message` events in seq order, then outbox messages in send order. An
 * outbox row whose event is already stored is left out, so no message is
 * shown twice. Both tables are read in one transaction, so a message that
 * is moving from the outbox to the events is seen in exactly one of them.
 */
export function readMessages(
  db: SynclineDb,
  userId: string,
  conversationId: string,
): Promise<Message[]> {
  return db.transaction("r", [db.events, db.outbox], async () => {
    const events = await conversationEvents(db, conversationId).toArray();
    const outbox = await db.outbox.where("conversationId").equals(conversationId).toArray();
    const confirmedIds = new Set(
      events.filter((event) => event.senderId === userId).map((event) => event.clientId),
    );
    const confirmed = events.flatMap((event) => eventToMessage(event) ?? []);
    const queued = outbox
      .filter((row) => !confirmedIds.has(row.clientId))
      .flatMap((row) => outboxToMessage(row) ?? []);
    return [...confirmed, ...queued];
  });
}

/** Reads the conversation list with each conversation's cursor, unread count and newest message. */
export function readSummaries(db: SynclineDb, userId: string): Promise<ConversationSummary[]> {
  const tables = [db.conversations, db.cursors, db.events, db.outbox];
  return db.transaction("r", tables, async () => {
    const conversations = await db.conversations.toArray();
    const summaries = await Promise.all(
      conversations.map((conversation) => summarize(db, userId, conversation)),
    );
    return summaries.sort(byNewestActivity).map(({ summary }) => summary);
  });
}

interface SortableSummary {
  summary: ConversationSummary;
  activityAt: string;
}

async function summarize(
  db: SynclineDb,
  userId: string,
  conversation: ConversationRow,
): Promise<SortableSummary> {
  const { id } = conversation;
  const cursorRow = await db.cursors.get(id);
  const unreadCount = await conversationEvents(db, id, conversation.readSeq)
    .filter((event) => event.type === "message" && event.senderId !== userId)
    .count();
  const lastEvent = await conversationEvents(db, id)
    .reverse()
    .filter((event) => eventToMessage(event) !== null)
    .first();
  const lastRow = await db.outbox.where("conversationId").equals(id).last();
  const lastMessage =
    (lastRow && outboxToMessage(lastRow)) ?? (lastEvent && eventToMessage(lastEvent)) ?? null;
  const summary: ConversationSummary = {
    id,
    title: conversation.title,
    members: conversation.members,
    latestSeq: conversation.latestSeq,
    cursor: cursorRow?.cursor ?? 0,
    unreadCount,
    lastMessage,
  };
  return { summary, activityAt: lastMessage?.createdAt ?? conversation.createdAt };
}

function byNewestActivity(a: SortableSummary, b: SortableSummary): number {
  if (a.activityAt !== b.activityAt) return a.activityAt < b.activityAt ? 1 : -1;
  return a.summary.id < b.summary.id ? -1 : 1;
}

/** Selects the events of one conversation after `afterSeq`, in seq order. */
function conversationEvents(db: SynclineDb, conversationId: string, afterSeq = 0) {
  return db.events
    .where("[conversationId+seq]")
    .between([conversationId, afterSeq + 1], [conversationId, Dexie.maxKey], true, true);
}

/** Returns the message a `message` event shows, or null for other event types. */
export function eventToMessage(event: Event): Message | null {
  const text = event.body.text;
  if (event.type !== "message" || typeof text !== "string") return null;
  return {
    clientId: event.clientId,
    conversationId: event.conversationId,
    senderId: event.senderId,
    text,
    seq: event.seq,
    createdAt: event.createdAt,
    state: "sent",
  };
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
  };
  if (row.error !== undefined) message.error = row.error;
  return message;
}
