import * as z from "zod";
import { errorCodeSchema } from "./errors.ts";
import { eventSchema } from "./events.ts";
import { conversationIdSchema, cursorSchema, timestampSchema, userIdSchema } from "./ids.ts";

/**
 * The first frame a client sends on `GET /v1/ws`. `protocolVersion` is the
 * client's wire version, 1 when absent; an unsupported one closes the
 * socket with `closeCodes.unsupportedVersion`.
 */
export const authFrameSchema = z.object({
  type: z.literal("auth"),
  token: z.string().min(1),
  protocolVersion: z.number().int().positive().optional(),
});
/** A client's signal that its user is typing; relayed, never stored. */
export const typingClientFrameSchema = z.object({
  type: z.literal("typing"),
  conversationId: conversationIdSchema,
});
/** The heartbeat that keeps a socket and its user's presence alive. */
export const pingFrameSchema = z.object({ type: z.literal("ping") });
/** Maximum local hold time that a delivery sample may report: one hour, in milliseconds. */
const maxHeldMs = 3_600_000;

/**
 * A delivery latency sample for one event another member sent: its
 * `createdAt` as the server stamped it, echoed back, and how long the
 * device held the event before this report. The server subtracts both
 * from its own clock, so the device's clock never enters the figure.
 */
export const deliverySampleSchema = z.object({
  createdAt: timestampSchema,
  heldMs: z.number().int().min(0).max(maxHeldMs),
  /** Path by which the device received the event: inline in a notify frame, or a pull. */
  via: z.enum(["notify", "pull"]),
});
export type DeliverySample = z.infer<typeof deliverySampleSchema>;

/**
 * A device's report of the highest seq it has stored in a conversation.
 * `sample` is optional, so clients without it keep working.
 */
export const deliveredClientFrameSchema = z.object({
  type: z.literal("delivered"),
  conversationId: conversationIdSchema,
  seq: cursorSchema,
  sample: deliverySampleSchema.optional(),
});

/** Every frame a client may send. */
export const clientFrameSchema = z.discriminatedUnion("type", [
  authFrameSchema,
  typingClientFrameSchema,
  pingFrameSchema,
  deliveredClientFrameSchema,
]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;

/** The server's reply to a valid auth frame. */
export const readyFrameSchema = z.object({
  type: z.literal("ready"),
  userId: userIdSchema,
  connectionId: z.string(),
  /** The wire versions this server speaks. */
  protocolVersions: z.array(z.number().int().positive()).optional(),
});
/**
 * New events were committed in a conversation. `events`, when present,
 * contains them in seq order, and a client that sees a gap after its cursor pulls.
 * A notify for a conversation the client does not know means the user was
 * added to it.
 */
export const notifyFrameSchema = z.object({
  type: z.literal("notify"),
  conversationId: conversationIdSchema,
  latestSeq: cursorSchema,
  events: z.array(eventSchema).optional(),
});
/** A member's read position moved forward. */
export const readFrameSchema = z.object({
  type: z.literal("read"),
  conversationId: conversationIdSchema,
  userId: userIdSchema,
  seq: cursorSchema,
});
/** A member's delivered watermark moved forward: one of their devices stored events up to `seq`. */
export const deliveredServerFrameSchema = z.object({
  type: z.literal("delivered"),
  conversationId: conversationIdSchema,
  userId: userIdSchema,
  seq: cursorSchema,
});
/** Another member is typing; the indicator expires on its own after `expiresInMs`. */
export const typingServerFrameSchema = z.object({
  type: z.literal("typing"),
  conversationId: conversationIdSchema,
  userId: userIdSchema,
  expiresInMs: z.number().int().positive(),
});
/** A user who shares a conversation with the client came online or went offline. */
export const presenceFrameSchema = z.object({
  type: z.literal("presence"),
  userId: userIdSchema,
  status: z.enum(["online", "offline"]),
  lastSeenAt: z.string().nullable(),
});
/** The reply to a ping. */
export const pongFrameSchema = z.object({ type: z.literal("pong") });
/** A client frame was rejected; the socket stays open. */
export const errorFrameSchema = z.object({
  type: z.literal("error"),
  code: errorCodeSchema,
  message: z.string(),
});

/** Every frame the server may send. */
export const serverFrameSchema = z.discriminatedUnion("type", [
  readyFrameSchema,
  notifyFrameSchema,
  readFrameSchema,
  deliveredServerFrameSchema,
  typingServerFrameSchema,
  presenceFrameSchema,
  pongFrameSchema,
  errorFrameSchema,
]);
export type ServerFrame = z.infer<typeof serverFrameSchema>;
export type NotifyFrame = z.infer<typeof notifyFrameSchema>;

/** WebSocket close codes and what a client should do on each. */
export const closeCodes = {
  /** The server is restarting or shutting down: reconnect, to another node if there is one. */
  serviceRestart: 1012,
  /** The token is missing, invalid or expired: get a new token, then reconnect. */
  unauthorized: 4401,
  /** No auth frame came in time: reconnect. */
  authTimeout: 4408,
  /** A frame exceeded the size limit. */
  frameTooLarge: 4413,
  /** The client is over a rate limit or the server is overloaded: reconnect after a longer backoff. */
  tryLater: 4429,
  /** The client's protocol version is not supported: upgrade the app. */
  unsupportedVersion: 4426,
} as const;
