import {
  countCodePoints,
  describeZodError,
  jsonByteLength,
  limits,
  opSchema,
} from "@syncline/protocol";
import type { OutboxRow } from "./db.ts";
import { SyncError } from "./errors.ts";

/**
 * Builds the outbox row of a new message and checks it as the server will,
 * so that what the server would reject for size or shape is rejected before
 * it is queued. Text is counted in Unicode code points.
 */
export function buildMessageRow(options: {
  clientId: string;
  conversationId: string;
  senderId: string;
  text: string;
  nowMs: number;
}): OutboxRow {
  const { clientId, conversationId, senderId, text } = options;
  const op = { clientId, conversationId, type: "message" as const, body: { text } };
  if (typeof text === "string" && countCodePoints(text) > limits.maxTextCodePoints) {
    throw new SyncError(
      "payload_too_large",
      `The message has ${countCodePoints(text)} code points; the limit is ${limits.maxTextCodePoints}.`,
      { field: "body.text" },
    );
  }
  const parsed = opSchema.safeParse(op);
  if (!parsed.success) {
    const { field, message } = describeZodError(parsed.error);
    throw new SyncError("invalid_request", message, { field });
  }
  if (jsonByteLength(op) > limits.maxOpBytes) {
    throw new SyncError(
      "payload_too_large",
      `The message is ${jsonByteLength(op)} bytes as JSON; the limit is ${limits.maxOpBytes}.`,
    );
  }
  return { ...op, senderId, createdAt: new Date(options.nowMs).toISOString(), state: "pending" };
}
