import {
  type ErrorCode,
  type Event,
  isSameJson,
  type Op,
  type PushResult,
} from "@syncline/protocol";
import type { EventDraft } from "./sequencer.ts";

/** A schema-valid op and its place in the push request. */
export interface IndexedOp {
  index: number;
  op: Op;
}

/** Stored state of the conversation that the ops of one push refer to. */
export interface PlanContext {
  senderId: string;
  lastSeq: number;
  /** The `createdAt` of the new events. */
  createdAt: string;
  /** Committed events whose client id one of the ops uses. */
  committedByClientId: ReadonlyMap<string, Event>;
  /** Sender of each committed, not deleted `message` event that an op targets, by seq. */
  messageSenderBySeq: ReadonlyMap<number, string>;
}

/** The decision for one op: a new event, a repeat of one, or a rejection. */
export type OpDecision =
  | { kind: "new"; index: number; draft: EventDraft }
  | { kind: "duplicate"; index: number; original: Event }
  | { kind: "error"; index: number; result: PushResult };

/**
 * Decides each op of one conversation in request order. A client id seen
 * before (committed, or earlier in this request) is a duplicate when
 * sender, type and body are equal, and a conflict otherwise. Edits,
 * deletes and reactions must target a `message` event that is not
 * deleted, and only its sender may edit or delete it. Any member may
 * react. New ops get consecutive seqs.
 */
export function planOps(ops: readonly IndexedOp[], context: PlanContext): OpDecision[] {
  const acceptedByClientId = new Map<string, Event>();
  const messageSenderBySeq = new Map(context.messageSenderBySeq);
  let nextSeq = context.lastSeq + 1;

  return ops.map(({ index, op }): OpDecision => {
    const draft: EventDraft = {
      seq: nextSeq,
      clientId: op.clientId,
      senderId: context.senderId,
      type: op.type,
      body: op.body,
    };
    const previous =
      context.committedByClientId.get(op.clientId) ?? acceptedByClientId.get(op.clientId);
    if (previous !== undefined) return decideRepeat(index, draft, previous);

    const rejection = checkTarget(index, op, context.senderId, messageSenderBySeq);
    if (rejection !== undefined) return rejection;

    const event = { conversationId: op.conversationId, ...draft, createdAt: context.createdAt };
    acceptedByClientId.set(op.clientId, event);
    if (op.type === "message") messageSenderBySeq.set(draft.seq, context.senderId);
    // A deleted message takes no further edits, deletes or reactions, also within this push.
    if (op.type === "message.delete") messageSenderBySeq.delete(op.body.targetSeq);
    nextSeq++;
    return { kind: "new", index, draft };
  });
}

function decideRepeat(index: number, draft: EventDraft, previous: Event): OpDecision {
  const same =
    previous.senderId === draft.senderId &&
    previous.type === draft.type &&
    isSameJson(previous.body, draft.body);
  if (same) return { kind: "duplicate", index, original: previous };

  // The message names no seq or body: the earlier op may be another user's.
  const message = `Client id ${draft.clientId} was already used in conversation ${previous.conversationId} for another op; make a new client id.`;
  return { kind: "error", index, result: errorResult(draft.clientId, "conflict", message) };
}

function checkTarget(
  index: number,
  op: Op,
  senderId: string,
  messageSenderBySeq: ReadonlyMap<number, string>,
): OpDecision | undefined {
  if (op.type === "message") return undefined;
  const { targetSeq } = op.body;
  const targetSender = messageSenderBySeq.get(targetSeq);
  if (targetSender === undefined) {
    const message = `Invalid ops.${index}.body.targetSeq: seq ${targetSeq} is not a message in conversation ${op.conversationId}, or it was deleted.`;
    const result = errorResult(
      op.clientId,
      "invalid_request",
      message,
      `ops.${index}.body.targetSeq`,
    );
    return { kind: "error", index, result };
  }
  const ownOnly = op.type === "message.edit" || op.type === "message.delete";
  if (ownOnly && targetSender !== senderId) {
    const message = `User ${senderId} may not ${op.type === "message.edit" ? "edit" : "delete"} message ${targetSeq}, which another member sent.`;
    return { kind: "error", index, result: errorResult(op.clientId, "forbidden", message) };
  }
  return undefined;
}

/** Builds a per-op error result. */
export function errorResult(
  clientId: string,
  code: ErrorCode,
  message: string,
  field?: string,
): PushResult {
  const result: PushResult = { clientId, status: "error", code, message };
  if (field !== undefined) result.field = field;
  return result;
}
