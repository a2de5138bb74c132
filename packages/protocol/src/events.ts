import * as z from "zod";
import {
  clientIdSchema,
  conversationIdSchema,
  seqSchema,
  timestampSchema,
  userIdSchema,
} from "./ids.ts";

/**
 * One entry of a conversation's log. `type` and `body` stay open so that a
 * client built today still parses event types added later; readers narrow
 * them with the op body schemas.
 */
export const eventSchema = z.object({
  conversationId: conversationIdSchema,
  seq: seqSchema,
  clientId: clientIdSchema,
  senderId: userIdSchema,
  type: z.string().min(1),
  body: z.record(z.string(), z.unknown()),
  createdAt: timestampSchema,
});
export type Event = z.infer<typeof eventSchema>;
