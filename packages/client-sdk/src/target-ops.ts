import {
  countCodePoints,
  describeZodError,
  jsonByteLength,
  limits,
  type Op,
  opSchema,
} from "@syncline/protocol";
import type { OutboxRow, SynclineDb } from "./db.ts";
import { SyncError } from "./errors.ts";

/** The op types that point at an earlier message by its seq. */
export type TargetOpType = "message.edit" | "message.delete" | "reaction.add" | "reaction.remove";

/** The request of an edit, delete or reaction: the new text of an edit, or the emoji. */
export interface TargetOpInput {
  clientId: string;
  conversationId: string;
  senderId: string;
  type: TargetOpType;
  targetSeq: number;
  text?: string;
  emoji?: string;
  nowMs: number;
}

/**
 * Builds the outbox row of an edit, delete or reaction and checks it as
 * the server will, so input the server would reject for shape or size is
 * rejected before it is queued. Text and emoji are counted in code points.
 */
export function buildTargetRow(input: TargetOpInput): OutboxRow {
  const { clientId, conversationId, type, targetSeq } = input;
  const body: Record<string, unknown> = { targetSeq };
  if (type === "message.edit") body.text = input.text;
  if (type === "reaction.add" || type === "reaction.remove") body.emoji = input.emoji;
  checkLength(input.text, limits.maxTextCodePoints, "body.text", "text");
  checkLength(input.emoji, limits.maxEmojiCodePoints, "body.emoji", "emoji");
  const parsed = opSchema.safeParse({ clientId, conversationId, type, body });
  if (!parsed.success) {
    const { field, message } = describeZodError(parsed.error);
    throw new SyncError("invalid_request", message, { field });
  }
  const op: Op = parsed.data;
  if (jsonByteLength(op) > limits.maxOpBytes) {
    throw new SyncError(
      "payload_too_large",
      `The ${type} op is ${jsonByteLength(op)} bytes as JSON; the limit is ${limits.maxOpBytes}.`,
    );
  }
  return {
    ...op,
    senderId: input.senderId,
    createdAt: new Date(input.nowMs).toISOString(),
    state: "pending",
  };
}

function checkLength(value: unknown, max: number, field: string, what: string): void {
  if (typeof value !== "string" || countCodePoints(value) <= max) return;
  throw new SyncError(
    "payload_too_large",
    `The ${what} has ${countCodePoints(value)} code points; the limit is ${max}.`,
    { field },
  );
}

/**
 * Checks the target against the stored log when it is there: it must be a
 * message, not deleted, and the user's own for an edit or a delete. A
 * target not stored yet is left for the server to check.
 */
export async function checkStoredTarget(db: SynclineDb, row: OutboxRow): Promise<void> {
  if (row.type === "message") return;
  const { conversationId } = row;
  const { targetSeq } = row.body;
  const target = await db.events.get([conversationId, targetSeq]);
  if (target === undefined) return;
  if (target.type !== "message") {
    throw new SyncError(
      "invalid_request",
      `Seq ${targetSeq} of conversation ${conversationId} is a ${target.type} event, not a message.`,
      { field: "body.targetSeq" },
    );
  }
  const ownOnly = row.type === "message.edit" || row.type === "message.delete";
  if (ownOnly && target.senderId !== row.senderId) {
    throw new SyncError(
      "forbidden",
      `Message ${targetSeq} of conversation ${conversationId} was sent by another member; only its sender may change it.`,
    );
  }
}
