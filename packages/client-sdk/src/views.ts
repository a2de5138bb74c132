import type { Event } from "@syncline/protocol";
import { Dexie } from "dexie";
import type { ConversationRow, SynclineDb } from "./db.ts";
import { buildMessageView, outboxToMessage } from "./message-view.ts";
import type { ConversationSummary, Message } from "./types.ts";

export { outboxToMessage };

/**
 * Reads the messages of a conversation as the app shows them (see
 * `buildMessageView`). Events, outbox and conversation row are read in one
 * transaction, so a message that is moving from the outbox to the events
 * is seen in exactly one of them.
 */
export function readMessages(
  db: SynclineDb,
  userId: string,
  conversationId: string,
): Promise<Message[]> {
  return db.transaction("r", [db.events, db.outbox, db.conversations], async () => {
    const events = await conversationEvents(db, conversationId).toArray();
    const outbox = await db.outbox
      .where("conversationId")
      .equals(conversationId)
      .sortBy("position");
    const conversation = await db.conversations.get(conversationId);
    return buildMessageView({ userId, events, outbox, conversation });
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
  const unreadCount = await countUnread(db, userId, conversation);
  const lastEvent = await conversationEvents(db, id)
    .reverse()
    .filter((event) => event.type === "message")
    .first();
  const lastRow = await db.outbox
    .where("conversationId")
    .equals(id)
    .filter((row) => row.type === "message")
    .last();
  const lastMessage =
    (lastRow && outboxToMessage(lastRow)) ??
    (lastEvent && (await foldLastMessage(db, userId, conversation, lastEvent.seq))) ??
    null;
  const summary: ConversationSummary = {
    id,
    title: conversation.title,
    members: conversation.members,
    latestSeq: conversation.latestSeq,
    cursor: cursorRow?.cursor ?? 0,
    unreadCount,
    lastMessage,
  };
  if (cursorRow?.historyStartSeq !== undefined) summary.historyStartSeq = cursorRow.historyStartSeq;
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

/**
 * Folds the newest message with the events after it, which hold every
 * edit, delete and reaction that can point at it.
 */
async function foldLastMessage(
  db: SynclineDb,
  userId: string,
  conversation: ConversationRow,
  seq: number,
): Promise<Message | null> {
  const events = await conversationEvents(db, conversation.id, seq - 1).toArray();
  const [message] = buildMessageView({ userId, events, outbox: [], conversation });
  return message ?? null;
}

/**
 * Counts messages from other members after the read position. The
 * server's count from the last list refresh covers seqs up to
 * `unreadAsOfSeq`; messages after it are counted from the stored events,
 * and so are the earlier ones once the user read past the server's
 * position, since the server's count is then stale.
 */
async function countUnread(
  db: SynclineDb,
  userId: string,
  conversation: ConversationRow,
): Promise<number> {
  const { id, readSeq } = conversation;
  const asOfSeq = conversation.unreadAsOfSeq ?? 0;
  const fromOthers = (event: Event) => event.type === "message" && event.senderId !== userId;
  let base = 0;
  if (readSeq < asOfSeq && readSeq <= (conversation.serverReadSeq ?? 0)) {
    base = conversation.unreadCount ?? 0;
  } else if (readSeq < asOfSeq) {
    base = await conversationEvents(db, id, readSeq)
      .filter((event) => event.seq <= asOfSeq && fromOthers(event))
      .count();
  }
  const after = await conversationEvents(db, id, Math.max(readSeq, asOfSeq))
    .filter(fromOthers)
    .count();
  return base + after;
}
