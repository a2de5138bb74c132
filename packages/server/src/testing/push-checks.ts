import { type Event, isSameJson, type PushResult } from "@syncline/protocol";
import type { ModelOp } from "./push-model.ts";

/** One op that a test pushed, with its sender and the result it got. */
export interface PushedOp {
  senderId: string;
  /** The number of the push among its sender's pushes, which are sent one after another. */
  push: number;
  op: ModelOp;
  index: number;
  result: PushResult;
}

/** Members of each conversation by id, or undefined for one that was never created. */
export type MembersById = ReadonlyMap<string, ReadonlySet<string> | undefined>;

function sameOp(event: Event, senderId: string, op: ModelOp): boolean {
  return event.senderId === senderId && event.type === op.type && isSameJson(event.body, op.body);
}

/**
 * Lists the ways the results of concurrent pushes disagree with the stored
 * logs. Each stored event must have exactly one `ok` result that is not a
 * duplicate, at its seq. Duplicates must point at an equal op, conflicts at
 * a different one, and every rejection must have a reason that the stored
 * log or the membership shows.
 */
export function findResultViolations(
  pushed: readonly PushedOp[],
  logs: ReadonlyMap<string, readonly Event[]>,
  members: MembersById,
): string[] {
  const violations: string[] = [];
  const acksByEvent = new Map<string, number>();

  for (const { senderId, op, index, result } of pushed) {
    const where = `${senderId} op ${op.clientId} (${op.type}) in ${op.conversationId}`;
    const log = logs.get(op.conversationId) ?? [];
    const memberIds = members.get(op.conversationId);

    if (result.status === "ok") {
      const event = log[result.seq - 1];
      if (event === undefined || event.clientId !== op.clientId) {
        violations.push(`${where}: acked at seq ${result.seq}, which stores another op or none`);
        continue;
      }
      if (!sameOp(event, senderId, op)) {
        violations.push(`${where}: acked at seq ${result.seq}, which stores a different op`);
      }
      if (!result.duplicate) {
        const key = `${op.conversationId} ${result.seq}`;
        acksByEvent.set(key, (acksByEvent.get(key) ?? 0) + 1);
      }
      continue;
    }

    const stored = log.find((event) => event.clientId === op.clientId);
    const reason = rejectionReason(result.code, senderId, op, log, memberIds);
    if (result.code === "conflict" && stored !== undefined && sameOp(stored, senderId, op)) {
      violations.push(`${where}: conflict, but the stored op with this client id is equal`);
    } else if (reason !== undefined) {
      violations.push(`${where}: ${result.code} at index ${index}, ${reason}`);
    }
  }

  for (const [conversationId, log] of logs) {
    for (const event of log) {
      const acks = acksByEvent.get(`${conversationId} ${event.seq}`) ?? 0;
      if (acks !== 1) {
        violations.push(`${conversationId} seq ${event.seq}: ${acks} acks that are not duplicates`);
      }
    }
  }
  return violations;
}

/** Returns why a rejection is wrong, or undefined when the final state explains it. */
function rejectionReason(
  code: string,
  senderId: string,
  op: ModelOp,
  log: readonly Event[],
  memberIds: ReadonlySet<string> | undefined,
): string | undefined {
  if (memberIds === undefined) {
    return code === "not_found" ? undefined : "but the conversation does not exist";
  }
  if (!memberIds.has(senderId)) {
    return code === "forbidden" ? undefined : "but the sender is no member";
  }
  const stored = log.find((event) => event.clientId === op.clientId);
  switch (code) {
    case "conflict":
      return stored === undefined ? "but no op with this client id is stored" : undefined;
    case "invalid_request":
      return op.type === "message" ? "but a message has no target" : undefined;
    case "forbidden": {
      const target = log[Number(op.body.targetSeq) - 1];
      const ownOnly = op.type === "message.edit" || op.type === "message.delete";
      const othersMessage = target?.type === "message" && target.senderId !== senderId;
      return ownOnly && othersMessage ? undefined : "but the target is no message of another user";
    }
    default:
      return "which no push rule gives";
  }
}

/**
 * Lists the ways new seqs break commit order. The ops that one push adds to
 * a conversation must get consecutive seqs in request order. A sender's
 * push sent after an earlier one was acked must get higher seqs in each
 * conversation.
 */
export function findOrderViolations(pushed: readonly PushedOp[]): string[] {
  const violations: string[] = [];
  const last = new Map<string, { push: number; seq: number }>();
  for (const { senderId, push, op, result } of pushed) {
    if (result.status !== "ok" || result.duplicate) continue;
    const key = `${senderId} ${op.conversationId}`;
    const previous = last.get(key);
    last.set(key, { push, seq: result.seq });
    if (previous === undefined) continue;
    const where = `${senderId} push ${push} op ${op.clientId} in ${op.conversationId}`;
    if (previous.push === push && result.seq !== previous.seq + 1) {
      violations.push(`${where}: seq ${result.seq} does not follow seq ${previous.seq}`);
    }
    if (previous.push < push && result.seq <= previous.seq) {
      violations.push(
        `${where}: seq ${result.seq} is not above the earlier push's ${previous.seq}`,
      );
    }
  }
  return violations;
}
