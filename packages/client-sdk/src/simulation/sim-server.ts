import type { BatchPullEntry, Event, Op, PushResult } from "@syncline/protocol";

/** One conversation as the server model stores it. */
export interface ServerConversation {
  id: string;
  members: readonly string[];
  /** The log: `events[k]` has seq k + 1, with no gaps. */
  events: Event[];
  byClientId: Map<string, Event>;
  /** Each member's read position; it only rises. */
  readSeqs: Map<string, number>;
  /** Each member's delivered watermark, from their devices' reports; it only rises. */
  deliveredSeqs: Map<string, number>;
}

/** The outcome of a push: one result per op and the events it committed. */
export interface PushOutcome {
  results: PushResult[];
  committed: Event[];
}

export const simEpoch = "sim-epoch";

/** The server process died while handling a request. */
export class ServerCrashError extends Error {
  override name = "ServerCrashError";

  constructor() {
    super("The simulated server crashed in the middle of a push.");
  }
}

/**
 * An in-memory model of the server's contract: a gap-free counter per
 * conversation, dedup by client id within a conversation (`duplicate: true`
 * for the same op, `conflict` for a reused id with another body),
 * read watermarks that only rise, and pull pages with `hasMore`. Every
 * request commits before its response is sent, so a crash keeps all of this
 * state and loses only responses that were not yet delivered.
 */
export class SimServer {
  readonly conversations = new Map<string, ServerConversation>();
  up = true;
  /** Restart count. Responses and sockets of an older incarnation are lost. */
  incarnation = 0;
  /** When set, the server crashes after this many more commits, in the middle of a push. */
  crashAfterCommits: number | undefined;
  /** Share of requests answered with a 503 before they are handled. */
  unavailableRate = 0;

  addConversation(id: string, members: readonly string[]): void {
    this.conversations.set(id, {
      id,
      members,
      events: [],
      byClientId: new Map(),
      readSeqs: new Map(),
      deliveredSeqs: new Map(),
    });
  }

  push(userId: string, ops: readonly Op[], nowMs: number): PushOutcome {
    const committed: Event[] = [];
    const results = ops.map((op): PushResult => {
      const conversation = this.conversations.get(op.conversationId);
      if (conversation === undefined || !conversation.members.includes(userId)) {
        return error(op.clientId, "forbidden", "Not a member of the conversation.");
      }
      const existing = conversation.byClientId.get(op.clientId);
      if (existing !== undefined) return duplicateResult(existing, userId, op);
      this.countDownToCrash();
      const event: Event = {
        conversationId: op.conversationId,
        seq: conversation.events.length + 1,
        clientId: op.clientId,
        senderId: userId,
        type: op.type,
        body: op.body as Record<string, unknown>,
        createdAt: simTime(nowMs),
      };
      conversation.events.push(event);
      conversation.byClientId.set(op.clientId, event);
      committed.push(event);
      return {
        clientId: op.clientId,
        status: "ok",
        seq: event.seq,
        createdAt: event.createdAt,
        duplicate: false,
      };
    });
    return { results, committed };
  }

  /** Throws `ServerCrashError` when the injected crash is due; the ops before it stay committed. */
  private countDownToCrash(): void {
    if (this.crashAfterCommits === undefined) return;
    if (this.crashAfterCommits === 0) throw new ServerCrashError();
    this.crashAfterCommits--;
  }

  pull(
    userId: string,
    cursors: Readonly<Record<string, number>>,
    limit: number,
  ): Record<string, BatchPullEntry> {
    const pages: Record<string, BatchPullEntry> = {};
    for (const [conversationId, cursor] of Object.entries(cursors)) {
      const conversation = this.conversations.get(conversationId);
      if (conversation === undefined || !conversation.members.includes(userId)) {
        pages[conversationId] = {
          error: { code: "forbidden", message: "Not a member of the conversation." },
        };
        continue;
      }
      const latestSeq = conversation.events.length;
      if (cursor > latestSeq) {
        pages[conversationId] = {
          error: {
            code: "cursor_ahead",
            message: "The cursor is past the latest seq of the conversation.",
          },
        };
        continue;
      }
      const events = conversation.events.slice(cursor, cursor + limit);
      const hasMore = cursor + events.length < latestSeq;
      pages[conversationId] = { events, latestSeq, hasMore, epoch: simEpoch };
    }
    return pages;
  }

  /** Raises the user's delivered watermark to max(current, seq). */
  markDelivered(userId: string, conversationId: string, seq: number): void {
    const conversation = this.conversations.get(conversationId);
    if (conversation === undefined) return;
    const current = conversation.deliveredSeqs.get(userId) ?? 0;
    conversation.deliveredSeqs.set(userId, Math.max(current, seq));
  }

  /** Raises the user's read position to max(current, seq) and returns it. */
  markRead(userId: string, conversationId: string, seq: number): number {
    const conversation = this.conversations.get(conversationId);
    if (conversation === undefined) return 0;
    const capped = Math.min(seq, conversation.events.length);
    const readSeq = Math.max(conversation.readSeqs.get(userId) ?? 0, capped);
    conversation.readSeqs.set(userId, readSeq);
    return readSeq;
  }
}

/** Formats virtual time as the server's ISO timestamp. */
export function simTime(nowMs: number): string {
  return new Date(Date.UTC(2026, 0, 1) + nowMs).toISOString();
}

function duplicateResult(existing: Event, userId: string, op: Op): PushResult {
  const same =
    existing.senderId === userId &&
    existing.type === op.type &&
    JSON.stringify(existing.body) === JSON.stringify(op.body);
  if (!same) return error(op.clientId, "conflict", "The client id was used for another op.");
  return {
    clientId: op.clientId,
    status: "ok",
    seq: existing.seq,
    createdAt: existing.createdAt,
    duplicate: true,
  };
}

function error(clientId: string, code: "forbidden" | "conflict", message: string): PushResult {
  return { clientId, status: "error", code, message };
}
