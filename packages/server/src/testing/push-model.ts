import { isSameJson } from "@syncline/protocol";

/** An op as a test pushes it; only schema-valid ops are modelled. */
export interface ModelOp {
  clientId: string;
  conversationId: string;
  type: "message" | "message.edit" | "message.delete" | "reaction.add" | "reaction.remove";
  body: Record<string, unknown>;
}

/** An event of the reference log. */
export interface ModelEvent {
  seq: number;
  clientId: string;
  senderId: string;
  type: string;
  body: Record<string, unknown>;
}

/** The result the push rules require for one op, without times and messages. */
export type ExpectedResult =
  | { status: "ok"; seq: number; duplicate: boolean }
  | { status: "error"; code: string; field?: string };

interface ModelConversation {
  members: ReadonlySet<string>;
  events: ModelEvent[];
  byClientId: Map<string, ModelEvent>;
  deletedSeqs: Set<number>;
}

/**
 * A reference of the push rules in docs/protocol.md that applies one op at
 * a time, with no batching and no concurrency. The server's results for
 * pushes committed in some order must equal this model's results for the
 * same pushes applied in that order.
 */
export class PushModel {
  readonly #conversations = new Map<string, ModelConversation>();

  /** Adds an empty conversation with its members. */
  addConversation(conversationId: string, memberIds: readonly string[]): void {
    this.#conversations.set(conversationId, {
      members: new Set(memberIds),
      events: [],
      byClientId: new Map(),
      deletedSeqs: new Set(),
    });
  }

  /** Returns the log of a conversation, in seq order. */
  eventsOf(conversationId: string): readonly ModelEvent[] {
    return this.#conversations.get(conversationId)?.events ?? [];
  }

  /** Applies the ops of one push in request order and returns their results. */
  push(senderId: string, ops: readonly ModelOp[]): ExpectedResult[] {
    return ops.map((op, index) => this.#apply(senderId, op, index));
  }

  #apply(senderId: string, op: ModelOp, index: number): ExpectedResult {
    const conversation = this.#conversations.get(op.conversationId);
    if (conversation === undefined) return { status: "error", code: "not_found" };
    if (!conversation.members.has(senderId)) return { status: "error", code: "forbidden" };

    const previous = conversation.byClientId.get(op.clientId);
    if (previous !== undefined) {
      const same =
        previous.senderId === senderId &&
        previous.type === op.type &&
        isSameJson(previous.body, op.body);
      if (!same) return { status: "error", code: "conflict" };
      return { status: "ok", seq: previous.seq, duplicate: true };
    }

    const rejection = checkTarget(conversation, senderId, op, index);
    if (rejection !== undefined) return rejection;

    const event = {
      seq: conversation.events.length + 1,
      clientId: op.clientId,
      senderId,
      type: op.type,
      body: op.body,
    };
    conversation.events.push(event);
    conversation.byClientId.set(op.clientId, event);
    if (op.type === "message.delete") conversation.deletedSeqs.add(Number(op.body.targetSeq));
    return { status: "ok", seq: event.seq, duplicate: false };
  }
}

/** Checks that an edit, delete or reaction targets a live message that the sender may change. */
function checkTarget(
  conversation: ModelConversation,
  senderId: string,
  op: ModelOp,
  index: number,
): ExpectedResult | undefined {
  if (op.type === "message") return undefined;
  const targetSeq = Number(op.body.targetSeq);
  const target = conversation.events[targetSeq - 1];
  if (
    target === undefined ||
    target.type !== "message" ||
    conversation.deletedSeqs.has(targetSeq)
  ) {
    return { status: "error", code: "invalid_request", field: `ops.${index}.body.targetSeq` };
  }
  const ownOnly = op.type === "message.edit" || op.type === "message.delete";
  if (ownOnly && target.senderId !== senderId) return { status: "error", code: "forbidden" };
  return undefined;
}
