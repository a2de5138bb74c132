import {
  type Conversation,
  type CreateConversationRequest,
  conversationIdSchema,
  conversationListResponseSchema,
  conversationResponseSchema,
  createConversationRequestSchema,
  describeZodError,
  memberChangeResponseSchema,
  userIdSchema,
} from "@syncline/protocol";
import type { ConversationRow, SynclineDb } from "./db.ts";
import { SyncError } from "./errors.ts";
import type { HttpTransport } from "./http.ts";
import { mergeMemberStates } from "./receipts.ts";

/** Dependencies of the conversation calls. */
export interface ConversationDeps {
  db: SynclineDb;
  http: HttpTransport;
}

/** Fetches the user's conversations and stores them, with a cursor row for each new one. */
export async function refreshConversations(deps: ConversationDeps): Promise<void> {
  const { conversations } = await deps.http.request(
    "GET",
    "/v1/conversations",
    undefined,
    conversationListResponseSchema,
  );
  await storeConversations(deps.db, conversations);
}

/** Creates a conversation on the server and stores it; fails with `offline` when the server is unreachable. */
export async function createConversation(
  deps: ConversationDeps,
  request: CreateConversationRequest,
): Promise<Conversation> {
  const parsed = createConversationRequestSchema.safeParse(request);
  if (!parsed.success) {
    const { field, message } = describeZodError(parsed.error);
    throw new SyncError("invalid_request", message, { field });
  }
  const { conversation } = await deps.http.request(
    "POST",
    "/v1/conversations",
    parsed.data,
    conversationResponseSchema,
  );
  await storeConversations(deps.db, [conversation]);
  return conversation;
}

/** Removes a member on the server and returns the seq of the `member.removed` event. */
export async function removeMember(
  deps: ConversationDeps,
  conversationId: string,
  userId: string,
): Promise<number> {
  checkId(conversationIdSchema.safeParse(conversationId).success, "conversationId", conversationId);
  checkId(userIdSchema.safeParse(userId).success, "userId", userId);
  const path = `/v1/conversations/${encodeURIComponent(conversationId)}/members/${encodeURIComponent(userId)}`;
  const { seq } = await deps.http.request("DELETE", path, undefined, memberChangeResponseSchema);
  return seq;
}

/** Adds a member on the server and returns the seq of the `member.added` event. */
export async function addMember(
  deps: ConversationDeps,
  conversationId: string,
  userId: string,
): Promise<number> {
  checkId(conversationIdSchema.safeParse(conversationId).success, "conversationId", conversationId);
  checkId(userIdSchema.safeParse(userId).success, "userId", userId);
  const path = `/v1/conversations/${encodeURIComponent(conversationId)}/members`;
  const { seq } = await deps.http.request("POST", path, { userId }, memberChangeResponseSchema);
  return seq;
}

function checkId(valid: boolean, field: string, value: string): void {
  if (valid) return;
  throw new SyncError("invalid_request", `Invalid ${field} ${JSON.stringify(value)}.`, { field });
}

/**
 * Stores conversations from the server. Within one epoch the latest seq and
 * read position only move up; a new epoch replaces them.
 */
export async function storeConversations(
  db: SynclineDb,
  conversations: readonly Conversation[],
): Promise<void> {
  await db.transaction("rw", [db.conversations, db.cursors], async () => {
    for (const conversation of conversations) {
      const stored = await db.conversations.get(conversation.id);
      await db.conversations.put(mergeConversation(stored, conversation));
      if ((await db.cursors.get(conversation.id)) === undefined) {
        await db.cursors.put({ conversationId: conversation.id, cursor: 0, epoch: null });
      }
    }
  });
}

function mergeConversation(
  stored: ConversationRow | undefined,
  next: Conversation,
): ConversationRow {
  const sameEpoch = stored !== undefined && stored.epoch === next.epoch;
  const readSeq = next.readSeq ?? 0;
  const row: ConversationRow = {
    id: next.id,
    title: next.title,
    createdAt: next.createdAt,
    members: next.members,
    epoch: next.epoch,
    latestSeq: sameEpoch ? Math.max(stored.latestSeq, next.latestSeq) : next.latestSeq,
    readSeq: sameEpoch ? Math.max(stored.readSeq, readSeq) : readSeq,
  };
  const memberStates = mergeMemberStates(
    sameEpoch ? stored.memberStates : undefined,
    next.memberStates ?? [],
  );
  if (Object.keys(memberStates).length > 0) row.memberStates = memberStates;
  // The server's member list is current as of at least its latest seq.
  row.membersAsOfSeq = Math.max(row.latestSeq, sameEpoch ? (stored.membersAsOfSeq ?? 0) : 0);
  if (next.unreadCount !== undefined) {
    row.unreadCount = next.unreadCount;
    row.unreadAsOfSeq = next.latestSeq;
    row.serverReadSeq = readSeq;
  }
  if (sameEpoch && stored.pendingReadSeq !== undefined && stored.pendingReadSeq > readSeq) {
    row.pendingReadSeq = stored.pendingReadSeq;
  }
  return row;
}

/** Moves the user's own read position up after another of their devices read further. */
export async function applyOwnRead(
  db: SynclineDb,
  conversationId: string,
  seq: number,
): Promise<void> {
  await db.transaction("rw", db.conversations, async () => {
    const stored = await db.conversations.get(conversationId);
    if (stored === undefined || stored.readSeq >= seq) return;
    await db.conversations.update(conversationId, { readSeq: seq });
  });
}
