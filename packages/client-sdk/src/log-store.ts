import { type Event, isSameJson, memberBodySchema } from "@syncline/protocol";
import { Dexie } from "dexie";
import type { CursorRow, OutboxRow, SynclineDb } from "./db.ts";

/**
 * Writes of the local copy of each conversation's log. Every function here
 * runs inside the caller's read-write transaction over `syncTables(db)`, so
 * events, cursor and outbox change together or not at all.
 */

/** Reads a conversation's cursor row; a conversation never pulled is at 0. */
export async function readCursor(db: SynclineDb, conversationId: string): Promise<CursorRow> {
  const row = await db.cursors.get(conversationId);
  return row ?? { conversationId, cursor: 0, epoch: null };
}

/**
 * Stores events of one conversation and moves its cursor over the seqs that
 * are now contiguous. Events beyond a gap are stored, but the cursor stays
 * below the gap until it is filled. An event of the user's whose client id
 * is still in the outbox (its ack was lost) removes that outbox row, so the
 * message shows once. Returns the cursor after the write.
 */
export async function storeEvents(
  db: SynclineDb,
  userId: string,
  conversationId: string,
  events: readonly Event[],
): Promise<number> {
  const own = events.filter((event) => event.conversationId === conversationId);
  if (own.length > 0) {
    await db.events.bulkPut(own);
    await removeDeliveredOutboxRows(db, userId, conversationId, own);
    await updateConversation(db, userId, conversationId, own);
  }
  const cursor = await advanceCursor(db, conversationId);
  await applyMembership(db, conversationId, cursor);
  return cursor;
}

/**
 * Applies `member.added` and `member.removed` events to the member list in
 * seq order, only as the cursor moves over them, so an event stored beyond
 * a gap never applies before the events below it. `membersAsOfSeq` marks
 * the seq the list already reflects.
 */
async function applyMembership(
  db: SynclineDb,
  conversationId: string,
  cursor: number,
): Promise<void> {
  const conversation = await db.conversations.get(conversationId);
  const fromSeq = conversation?.membersAsOfSeq ?? 0;
  if (conversation === undefined || cursor <= fromSeq) return;
  const events = await db.events
    .where("[conversationId+seq]")
    .between([conversationId, fromSeq + 1], [conversationId, cursor], true, true)
    .filter((event) => event.type === "member.added" || event.type === "member.removed")
    .toArray();
  const members = new Set(conversation.members);
  for (const event of events) {
    const member = memberBodySchema.safeParse(event.body);
    if (!member.success) continue;
    if (event.type === "member.added") members.add(member.data.userId);
    else members.delete(member.data.userId);
  }
  await db.conversations.update(conversationId, { members: [...members], membersAsOfSeq: cursor });
}

async function removeDeliveredOutboxRows(
  db: SynclineDb,
  userId: string,
  conversationId: string,
  events: readonly Event[],
): Promise<void> {
  const clientIds = deliveredClientIds(userId, events);
  if (clientIds.length === 0) return;
  const byClientId = new Map(events.map((event) => [event.clientId, event]));
  // A row that reuses a client id for another op is not confirmed: its push fails with conflict.
  await db.outbox
    .where("clientId")
    .anyOf(clientIds)
    .filter((row) => row.conversationId === conversationId && isSameOp(row, byClientId))
    .delete();
}

function isSameOp(row: OutboxRow, byClientId: ReadonlyMap<string, Event>): boolean {
  const event = byClientId.get(row.clientId);
  return event !== undefined && event.type === row.type && isSameJson(event.body, row.body);
}

/**
 * Moves the cursor up over stored seqs that follow it without a gap, and
 * returns it. The cursor never moves down here; only a reset lowers it.
 */
export async function advanceCursor(db: SynclineDb, conversationId: string): Promise<number> {
  const stored = await db.cursors.get(conversationId);
  const row = stored ?? { conversationId, cursor: 0, epoch: null };
  const keys = await db.events
    .where("[conversationId+seq]")
    .between([conversationId, row.cursor + 1], [conversationId, Dexie.maxKey], true, true)
    .primaryKeys();
  const cursor = contiguousCursor(
    row.cursor,
    keys.map(([, seq]) => seq),
  );
  if (cursor !== row.cursor || stored === undefined) {
    await db.cursors.put({ ...row, cursor });
  }
  return cursor;
}

/**
 * Returns the cursor moved up over `seqsAbove` (stored seqs above it, in
 * ascending order) while they follow it without a gap.
 */
export function contiguousCursor(cursor: number, seqsAbove: readonly number[]): number {
  let next = cursor;
  for (const seq of seqsAbove) {
    if (seq !== next + 1) break;
    next = seq;
  }
  return next;
}

/** Returns the client ids of the user's own events, whose outbox rows these events confirm. */
export function deliveredClientIds(userId: string, events: readonly Event[]): string[] {
  return events.filter((event) => event.senderId === userId).map((event) => event.clientId);
}

/** Keeps the conversation row's latest seq and read position in step with new events. */
async function updateConversation(
  db: SynclineDb,
  userId: string,
  conversationId: string,
  events: readonly Event[],
): Promise<void> {
  const conversation = await db.conversations.get(conversationId);
  if (conversation === undefined) return;
  let { latestSeq, readSeq } = conversation;
  for (const event of events) {
    latestSeq = Math.max(latestSeq, event.seq);
    if (event.senderId === userId && event.type === "message")
      readSeq = Math.max(readSeq, event.seq);
  }
  await db.conversations.put({ ...conversation, latestSeq, readSeq });
}

/**
 * Drops a conversation's confirmed events and puts its cursor back to 0 with
 * the given epoch, after the server's log was recreated or restored from a
 * backup. The outbox is kept: its ops are pushed again into the new log.
 */
export async function resetConversation(
  db: SynclineDb,
  conversationId: string,
  epoch: string | null,
): Promise<void> {
  await db.events
    .where("[conversationId+seq]")
    .between([conversationId, Dexie.minKey], [conversationId, Dexie.maxKey], true, true)
    .delete();
  await db.cursors.put({ conversationId, cursor: 0, epoch });
  // Membership events of the new log apply again from seq 1, in order, on top of the list.
  if ((await db.conversations.get(conversationId)) !== undefined) {
    await db.conversations.update(conversationId, { membersAsOfSeq: 0 });
  }
}

/** Raises the conversation's latest seq to what the server reported, or sets it after a reset. */
export async function noteLatestSeq(
  db: SynclineDb,
  conversationId: string,
  latestSeq: number,
  replace: boolean,
): Promise<void> {
  const conversation = await db.conversations.get(conversationId);
  if (conversation === undefined) return;
  const next = replace ? latestSeq : Math.max(conversation.latestSeq, latestSeq);
  if (next !== conversation.latestSeq)
    await db.conversations.update(conversationId, { latestSeq: next });
}
