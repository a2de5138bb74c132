import * as z from "zod";
import { conversationIdSchema, cursorSchema, storableText, userIdSchema } from "./ids.ts";
import { limits } from "./limits.ts";

/**
 * A conversation as the server sends it. `readSeq` and `unreadCount` are
 * the caller's own; `epoch` identifies this incarnation of the log.
 */
/** One member's receipt watermarks, which only move forward. */
export const memberStateSchema = z.object({
  userId: userIdSchema,
  readSeq: cursorSchema,
  deliveredSeq: cursorSchema,
});
export type MemberState = z.infer<typeof memberStateSchema>;

export const conversationSchema = z.object({
  id: conversationIdSchema,
  title: z.string().nullable(),
  createdAt: z.string(),
  latestSeq: cursorSchema,
  members: z.array(userIdSchema),
  epoch: z.string(),
  readSeq: cursorSchema.optional(),
  unreadCount: z.number().int().nonnegative().optional(),
  /** Every member's watermarks, for "delivered to" and "read by" counts. */
  memberStates: z.array(memberStateSchema).optional(),
});
export type Conversation = z.infer<typeof conversationSchema>;

/** Body of `POST /v1/conversations`; the caller is always a member. */
export const createConversationRequestSchema = z.strictObject({
  id: conversationIdSchema.optional(),
  title: storableText(limits.maxTitleCodePoints).nullable().optional(),
  members: z.array(userIdSchema).max(limits.maxMembersPerCreate).default([]),
});
export type CreateConversationRequest = z.input<typeof createConversationRequestSchema>;

/** Response body of `POST /v1/conversations` (201). */
export const conversationResponseSchema = z.object({ conversation: conversationSchema });
export type ConversationResponse = z.infer<typeof conversationResponseSchema>;

/** Response body of `GET /v1/conversations`. */
export const conversationListResponseSchema = z.object({
  conversations: z.array(conversationSchema),
});
export type ConversationListResponse = z.infer<typeof conversationListResponseSchema>;

/** Body of `POST /v1/conversations/{id}/members`. */
export const addMemberRequestSchema = z.strictObject({ userId: userIdSchema });
export type AddMemberRequest = z.infer<typeof addMemberRequestSchema>;

/** Response body of the member routes: the seq of the appended membership event. */
export const memberChangeResponseSchema = z.object({ seq: cursorSchema });
export type MemberChangeResponse = z.infer<typeof memberChangeResponseSchema>;

/** Body of `POST /v1/conversations/{id}/read`. */
export const readRequestSchema = z.strictObject({ seq: cursorSchema });
export type ReadRequest = z.infer<typeof readRequestSchema>;

/** Answer of `POST /v1/conversations/{id}/read`: the position after the update. */
export const readResponseSchema = z.object({ readSeq: cursorSchema });
export type ReadResponse = z.infer<typeof readResponseSchema>;

/** Body of `POST /v1/conversations/{id}/delivered`: the highest seq a device has stored. */
export const deliveredRequestSchema = z.strictObject({ seq: cursorSchema });
export type DeliveredRequest = z.infer<typeof deliveredRequestSchema>;

/** Answer of `POST /v1/conversations/{id}/delivered`: the member's watermark after the update. */
export const deliveredResponseSchema = z.object({ deliveredSeq: cursorSchema });
export type DeliveredResponse = z.infer<typeof deliveredResponseSchema>;

/** Answer of `GET /v1/presence?userIds=a,b`: only users who share a conversation with the caller. */
export const presenceResponseSchema = z.object({
  presence: z.array(
    z.object({
      userId: userIdSchema,
      status: z.enum(["online", "offline"]),
      lastSeenAt: z.string().nullable(),
    }),
  ),
});
export type PresenceResponse = z.infer<typeof presenceResponseSchema>;

/** Body of `POST /v1/dev/token`, served only in dev mode. */
export const devTokenRequestSchema = z.strictObject({ userId: userIdSchema });
export type DevTokenRequest = z.infer<typeof devTokenRequestSchema>;

/** Answer of `POST /v1/dev/token`. */
export const devTokenResponseSchema = z.object({ token: z.string() });
export type DevTokenResponse = z.infer<typeof devTokenResponseSchema>;
