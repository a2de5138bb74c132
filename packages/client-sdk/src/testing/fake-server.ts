import type {
  Conversation,
  ErrorCode,
  Event,
  MemberState,
  PresenceResponse,
  PushResult,
} from "@syncline/protocol";
import { httpStatusByCode, limits } from "@syncline/protocol";

/** A request the fake server received, for assertions on what the client sent. */
export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  token: string;
}

/** A canned response that replaces the fake server's own for one request. */
export interface CannedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface FakeConversation {
  id: string;
  epoch: string;
  members: string[];
  events: Event[];
  /** Each member's watermarks; a member without an entry is at 0. */
  memberStates: Map<string, MemberState>;
}

/**
 * An in-memory model of the server's HTTP API for unit tests: push with
 * dedup by client id, batched pull with paging, and the conversation list.
 * Tests queue failures with `failNext` and read `requests` afterwards.
 */
export class FakeServer {
  readonly requests: RecordedRequest[] = [];
  readonly conversations = new Map<string, FakeConversation>();
  /** Tokens the server accepts; empty means any. */
  validTokens = new Set<string>();
  /** Makes one op fail with a code instead of committing. */
  rejectOp: (op: { clientId: string; body: unknown }) => ErrorCode | undefined = () => undefined;
  /** Returns a response for a whole request before the server handles it, such as a 413 for a large body. */
  rejectRequest: (path: string, body: unknown) => CannedResponse | undefined = () => undefined;
  private readonly canned: Array<{ path: string; response: CannedResponse | "network" | "drop" }> =
    [];
  private readonly holds: Array<{ path: string; release: Promise<void> }> = [];
  /** The server's own page cap, which may be below what the client asks for. */
  pageCap: number = limits.maxPullLimit;
  /** The answer of `GET /v1/presence`; null makes the route answer 404, as an older server does. */
  presence: PresenceResponse["presence"] | null = [];
  /** The user the fake server treats as the caller, for read positions and unread counts. */
  callerId = "me";
  private nowMs = Date.parse("2030-01-01T00:00:00.000Z");

  /** The fetch the client under test uses. */
  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const method = init?.method ?? "GET";
    const token = String((init?.headers as Record<string, string>)?.authorization ?? "").slice(7);
    const body = typeof init?.body === "string" ? JSON.parse(init.body) : undefined;
    this.requests.push({ method, path: url.pathname, body, token });
    const hold = this.takeFirst(this.holds, url.pathname);
    if (hold !== undefined) await hold.release;
    const canned = this.takeFirst(this.canned, url.pathname)?.response;
    if (canned === "network") throw new TypeError("fetch failed");
    if (canned !== undefined && canned !== "drop") return toResponse(canned);
    if (this.validTokens.size > 0 && !this.validTokens.has(token)) {
      return toResponse(errorResponse("unauthorized", "The token is invalid."));
    }
    const rejected = this.rejectRequest(url.pathname, body);
    if (rejected !== undefined) return toResponse(rejected);
    const response = toResponse(this.handle(method, url.pathname, body));
    // The request took effect, but its response is lost on the way back.
    if (canned === "drop") throw new TypeError("fetch failed: connection reset");
    return response;
  };

  /**
   * Returns `response` for the next request to `path`; "network" fails it
   * before it reaches the server, "drop" after the server handled it.
   */
  failNext(path: string, response: CannedResponse | "network" | "drop"): void {
    this.canned.push({ path, response });
  }

  /** Holds the next request to `path` until the returned function is called. */
  holdNext(path: string): () => void {
    let release = () => {};
    this.holds.push({
      path,
      release: new Promise<void>((resolve) => {
        release = resolve;
      }),
    });
    return () => release();
  }

  addConversation(id: string, members: string[], epoch = "epoch-1"): FakeConversation {
    const conversation = { id, epoch, members, events: [], memberStates: new Map() };
    this.conversations.set(id, conversation);
    return conversation;
  }

  /** Appends a message from `senderId` as if pushed by another client. */
  append(conversationId: string, senderId: string, text: string, clientId?: string): Event {
    const conversation = this.mustGet(conversationId);
    const seq = conversation.events.length + 1;
    const event: Event = {
      conversationId,
      seq,
      clientId: clientId ?? `other-${conversationId}-${seq}`,
      senderId,
      type: "message",
      body: { text },
      createdAt: this.nextTime(),
    };
    conversation.events.push(event);
    return event;
  }

  private nextTime(): string {
    this.nowMs += 1000;
    return new Date(this.nowMs).toISOString();
  }

  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  // biome-ignore lint/suspicious/noExplicitAny: request bodies come from the client under test as parsed JSON.
  private handle(method: string, path: string, body: any): CannedResponse {
    if (method === "POST" && path === "/v1/push") return { status: 200, body: this.push(body.ops) };
    if (method === "POST" && path === "/v1/pull") return { status: 200, body: this.pull(body) };
    if (method === "GET" && path === "/v1/conversations") {
      const conversations = [...this.conversations.values()].map((conversation) =>
        toConversation(conversation, this.callerId),
      );
      return { status: 200, body: { conversations } };
    }
    const read = /^\/v1\/conversations\/([^/]+)\/read$/.exec(path);
    if (method === "POST" && read !== null) {
      const state = this.memberState(decodeURIComponent(read[1] ?? ""), this.callerId);
      state.readSeq = Math.max(state.readSeq, body.seq);
      return { status: 200, body: { readSeq: state.readSeq } };
    }
    const member = /^\/v1\/conversations\/([^/]+)\/members\/([^/]+)$/.exec(path);
    if (method === "DELETE" && member !== null) {
      const conversation = this.mustGet(decodeURIComponent(member[1] ?? ""));
      const userId = decodeURIComponent(member[2] ?? "");
      conversation.members = conversation.members.filter((id) => id !== userId);
      const event = this.append(conversation.id, this.callerId, "");
      Object.assign(event, { type: "member.removed", body: { userId } });
      return { status: 200, body: { seq: event.seq } };
    }
    if (method === "GET" && path === "/v1/presence" && this.presence !== null) {
      return { status: 200, body: { presence: this.presence } };
    }
    return { status: 404, body: { error: { code: "not_found", message: `No route ${path}.` } } };
  }

  private push(
    ops: Array<{ clientId: string; conversationId: string; type: string; body: { text: string } }>,
  ) {
    const results: PushResult[] = ops.map((op) => {
      const code = this.rejectOp(op);
      if (code !== undefined)
        return { clientId: op.clientId, status: "error", code, message: code };
      const conversation = this.mustGet(op.conversationId);
      const existing = conversation.events.find((event) => event.clientId === op.clientId);
      if (existing !== undefined) {
        const { seq, createdAt } = existing;
        return { clientId: op.clientId, status: "ok", seq, createdAt, duplicate: true };
      }
      const event = this.append(op.conversationId, "me", op.body.text, op.clientId);
      Object.assign(event, { senderId: "me", type: op.type, body: op.body });
      const { seq, createdAt } = event;
      return { clientId: op.clientId, status: "ok", seq, createdAt, duplicate: false };
    });
    return { results };
  }

  private pull(body: { cursors: Record<string, number>; limit?: number }) {
    const limit = Math.min(body.limit ?? limits.defaultPullLimit, this.pageCap);
    const conversations: Record<string, unknown> = {};
    for (const [id, after] of Object.entries(body.cursors)) {
      const conversation = this.conversations.get(id);
      if (conversation === undefined) {
        conversations[id] = { error: { code: "not_found", message: `No conversation ${id}.` } };
        continue;
      }
      const latestSeq = conversation.events.length;
      if (after > latestSeq) {
        const details = { latestSeq, epoch: conversation.epoch };
        conversations[id] = { error: { code: "cursor_ahead", message: "ahead", details } };
        continue;
      }
      const events = conversation.events.slice(after, after + limit);
      const hasMore = after + events.length < latestSeq;
      conversations[id] = { events, latestSeq, hasMore, epoch: conversation.epoch };
    }
    return { conversations };
  }

  /** Returns a member's watermarks, for tests to move them or read what the client sent. */
  memberState(conversationId: string, userId: string): MemberState {
    const conversation = this.mustGet(conversationId);
    const state = conversation.memberStates.get(userId) ?? { userId, readSeq: 0, deliveredSeq: 0 };
    conversation.memberStates.set(userId, state);
    return state;
  }

  private mustGet(id: string): FakeConversation {
    return this.conversations.get(id) ?? this.addConversation(id, ["me"]);
  }

  private takeFirst<T extends { path: string }>(list: T[], path: string): T | undefined {
    const index = list.findIndex((item) => item.path === path);
    return index === -1 ? undefined : list.splice(index, 1)[0];
  }
}

function toConversation(conversation: FakeConversation, callerId: string): Conversation {
  const readSeq = conversation.memberStates.get(callerId)?.readSeq ?? 0;
  const unreadCount = conversation.events.filter(
    (event) => event.seq > readSeq && event.type === "message" && event.senderId !== callerId,
  ).length;
  return {
    id: conversation.id,
    title: null,
    createdAt: "2030-01-01T00:00:00.000Z",
    latestSeq: conversation.events.length,
    members: conversation.members,
    epoch: conversation.epoch,
    readSeq,
    unreadCount,
    memberStates: [...conversation.memberStates.values()].map((state) => ({ ...state })),
  };
}

function errorResponse(code: ErrorCode, message: string): CannedResponse {
  return { status: httpStatusByCode[code], body: { error: { code, message } } };
}

function toResponse(canned: CannedResponse): Response {
  const headers = { "content-type": "application/json", ...canned.headers };
  const body = canned.body === undefined ? null : JSON.stringify(canned.body);
  return new Response(body, { status: canned.status, headers });
}
