import { closeCodes, limits } from "@syncline/protocol";
import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import {
  type ClientOptions,
  type ConnectionStatus,
  type ConversationSummary,
  createClient,
  type Message,
  type Presence,
  type SynclineClient,
} from "./index.ts";
import { silentLogger } from "./logger.ts";
import { FakeServer } from "./testing/fake-server.ts";
import { FakeSocket } from "./testing/fake-socket.ts";

const clients: SynclineClient[] = [];

beforeEach(() => {
  FakeSocket.reset();
});

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

function makeClient(server: FakeServer, overrides: Partial<ClientOptions> = {}) {
  const client = createClient({
    baseUrl: "http://server.test",
    userId: "me",
    getToken: async () => "token-1",
    fetch: server.fetch,
    WebSocket: FakeSocket,
    indexedDB: new IDBFactory(),
    IDBKeyRange,
    logger: silentLogger,
    random: () => 0,
    ...overrides,
  });
  clients.push(client);
  return client;
}

function collect<T>(subscribe: (listener: (value: T) => void) => () => void): T[] {
  const values: T[] = [];
  subscribe((value) => values.push(value));
  return values;
}

/** Starts a client on a conversation c1 of me, bob and carol, online and caught up. */
async function onlineClient(server = new FakeServer()) {
  if (!server.conversations.has("c1")) server.addConversation("c1", ["me", "bob", "carol"]);
  const client = makeClient(server);
  const socket = await vi.waitFor(() => FakeSocket.latest());
  socket.acceptAuth();
  await vi.waitFor(async () => expect(await summary(client)).toBeDefined());
  return { server, client, socket };
}

async function summary(client: SynclineClient): Promise<ConversationSummary | undefined> {
  const seen = collect<ConversationSummary[]>((listener) =>
    client.subscribeConversations(listener),
  );
  await vi.waitFor(() => expect(seen.length).toBeGreaterThan(0));
  return seen.at(-1)?.find((entry) => entry.id === "c1");
}

async function messageAt(client: SynclineClient, seq: number): Promise<Message | undefined> {
  return (await client.getMessages("c1")).find((message) => message.seq === seq);
}

describe("edits and reactions", () => {
  test("edit and reaction are pushed and folded", async () => {
    const { client } = await onlineClient();
    await client.send("c1", "helo");
    await vi.waitFor(async () => expect((await messageAt(client, 1))?.state).toBe("sent"));

    await client.edit("c1", 1, "hello");
    await client.react("c1", 1, "👍");

    const pending = await messageAt(client, 1);
    expect(pending?.text).toBe("hello");
    expect(pending?.reactions).toEqual([{ emoji: "👍", count: 1, reactedByMe: true }]);
    await vi.waitFor(async () => expect((await messageAt(client, 1))?.pendingOps).toEqual([]));
    const confirmed = await messageAt(client, 1);
    expect(confirmed?.text).toBe("hello");
    expect(confirmed?.editedAt).not.toBeNull();
    expect(confirmed?.reactions).toEqual([{ emoji: "👍", count: 1, reactedByMe: true }]);
  });

  test("unreact and delete leave a tombstone", async () => {
    const { client } = await onlineClient();
    await client.send("c1", "oops");
    await vi.waitFor(async () => expect((await messageAt(client, 1))?.state).toBe("sent"));

    await client.react("c1", 1, "🎉");
    await client.unreact("c1", 1, "🎉");
    await client.delete("c1", 1);

    await vi.waitFor(async () => expect((await messageAt(client, 1))?.pendingOps).toEqual([]));
    expect(await messageAt(client, 1)).toMatchObject({ deleted: true, text: "", reactions: [] });
  });

  test.each([
    ["edit to empty text", (c: SynclineClient) => c.edit("c1", 1, ""), "invalid_request"],
    ["target seq 0", (c: SynclineClient) => c.react("c1", 0, "👍"), "invalid_request"],
    [
      "emoji over the limit",
      (c: SynclineClient) => c.react("c1", 1, "a".repeat(limits.maxEmojiCodePoints + 1)),
      "payload_too_large",
    ],
    ["bad conversation id", (c: SynclineClient) => c.delete("has space", 1), "invalid_request"],
  ])("%s is rejected before queueing", async (_, act, code) => {
    const client = makeClient(new FakeServer());

    await expect(act(client)).rejects.toMatchObject({ name: "SyncError", code });
  });

  test("edit of another member's stored message is forbidden", async () => {
    const server = new FakeServer();
    server.addConversation("c1", ["me", "bob"]);
    server.append("c1", "bob", "mine");
    const { client } = await onlineClient(server);
    await vi.waitFor(async () => expect(await messageAt(client, 1)).toBeDefined());

    await expect(client.edit("c1", 1, "yours now")).rejects.toMatchObject({ code: "forbidden" });
  });

  test("server rejection marks the op failed (I7)", async () => {
    const server = new FakeServer();
    server.addConversation("c1", ["me", "bob"]);
    server.append("c1", "bob", "hi");
    server.rejectOp = (op) => ("emoji" in (op.body as object) ? "invalid_request" : undefined);
    const { client } = await onlineClient(server);
    await vi.waitFor(async () => expect(await messageAt(client, 1)).toBeDefined());

    await client.react("c1", 1, "👍");

    await vi.waitFor(async () =>
      expect((await messageAt(client, 1))?.pendingOps).toEqual([
        expect.objectContaining({
          type: "reaction.add",
          state: "failed",
          error: expect.objectContaining({ code: "invalid_request" }),
        }),
      ]),
    );
    expect((await messageAt(client, 1))?.reactions).toEqual([]);
  });
});

describe("receipts", () => {
  test("frames move watermarks forward only (I12)", async () => {
    const { client, socket } = await onlineClient();
    await client.send("c1", "one");
    await vi.waitFor(async () => expect((await messageAt(client, 1))?.state).toBe("sent"));

    for (const userId of ["bob", "carol"]) {
      socket.receive({ type: "delivered", conversationId: "c1", userId, seq: 1 });
    }
    await vi.waitFor(async () => expect((await messageAt(client, 1))?.state).toBe("delivered"));
    socket.receive({ type: "read", conversationId: "c1", userId: "bob", seq: 1 });
    socket.receive({ type: "read", conversationId: "c1", userId: "carol", seq: 1 });
    socket.receive({ type: "read", conversationId: "c1", userId: "carol", seq: 0 });

    await vi.waitFor(async () => expect((await messageAt(client, 1))?.state).toBe("read"));
    expect(await messageAt(client, 1)).toMatchObject({ deliveredCount: 2, readCount: 2 });
  });

  test("member states from the list count", async () => {
    const server = new FakeServer();
    server.addConversation("c1", ["me", "bob", "carol"]);
    server.append("c1", "me", "from me");
    Object.assign(server.memberState("c1", "bob"), { readSeq: 1, deliveredSeq: 1 });
    const { client } = await onlineClient(server);

    await vi.waitFor(async () =>
      expect(await messageAt(client, 1)).toMatchObject({ readCount: 1, deliveredCount: 1 }),
    );
  });

  test("stored events are reported as delivered (I17)", async () => {
    const server = new FakeServer();
    server.addConversation("c1", ["me", "bob", "carol"]);
    server.append("c1", "bob", "first");
    server.append("c1", "bob", "second");
    const { socket } = await onlineClient(server);

    await vi.waitFor(() =>
      expect(socket.sent).toContainEqual({ type: "delivered", conversationId: "c1", seq: 2 }),
    );
  });

  test("markRead clears unread and retries offline (I19)", async () => {
    const server = new FakeServer();
    server.addConversation("c1", ["me", "bob", "carol"]);
    server.append("c1", "bob", "first");
    server.append("c1", "bob", "second");
    server.failNext("/v1/conversations/c1/read", "network");
    const { client } = await onlineClient(server);
    await vi.waitFor(async () => expect((await summary(client))?.unreadCount).toBe(2));

    await client.markRead("c1", 2);

    expect((await summary(client))?.unreadCount).toBe(0);
    await vi.waitFor(() => expect(server.memberState("c1", "me").readSeq).toBe(2), {
      timeout: 5_000,
    });
    expect(server.requestsTo("/v1/conversations/c1/read").length).toBeGreaterThanOrEqual(2);
  });

  test("markRead never moves the position back (I12)", async () => {
    const { client, server } = await onlineClient();
    await client.markRead("c1", 5);
    await vi.waitFor(() => expect(server.memberState("c1", "me").readSeq).toBe(5));

    await client.markRead("c1", 3);

    expect(server.requestsTo("/v1/conversations/c1/read")).toHaveLength(1);
  });

  test("markRead of an unknown conversation is rejected", async () => {
    const { client } = await onlineClient();

    await expect(client.markRead("c9", 1)).rejects.toMatchObject({ code: "not_found" });
  });

  test("unread count stays live", async () => {
    const server = new FakeServer();
    server.addConversation("c1", ["me", "bob", "carol"]);
    server.append("c1", "bob", "first");
    const { client, socket } = await onlineClient(server);
    await vi.waitFor(async () => expect((await summary(client))?.unreadCount).toBe(1));

    const event = server.append("c1", "bob", "second");
    socket.receive({ type: "notify", conversationId: "c1", latestSeq: 2, events: [event] });
    await vi.waitFor(async () => expect((await summary(client))?.unreadCount).toBe(2));
    socket.receive({ type: "read", conversationId: "c1", userId: "me", seq: 2 });

    await vi.waitFor(async () => expect((await summary(client))?.unreadCount).toBe(0));
  });
});

describe("typing and presence", () => {
  test("setTyping sends one frame per 2 s", async () => {
    const { client, socket } = await onlineClient();

    client.setTyping("c1");
    client.setTyping("c1");

    expect(socket.sent.filter((frame) => frame.type === "typing")).toEqual([
      { type: "typing", conversationId: "c1" },
    ]);
  });

  test("typing clears when the message arrives (I15)", async () => {
    const { client, server, socket } = await onlineClient();
    const seen = collect<string[]>((listener) => client.subscribeTyping("c1", listener));

    socket.receive({ type: "typing", conversationId: "c1", userId: "bob", expiresInMs: 60_000 });
    expect(seen.at(-1)).toEqual(["bob"]);
    const event = server.append("c1", "bob", "done typing");
    socket.receive({ type: "notify", conversationId: "c1", latestSeq: 1, events: [event] });

    await vi.waitFor(() => expect(seen.at(-1)).toEqual([]));
  });

  test("typing is dropped on disconnect (I15)", async () => {
    const { client, socket } = await onlineClient();
    const seen = collect<string[]>((listener) => client.subscribeTyping("c1", listener));
    socket.receive({ type: "typing", conversationId: "c1", userId: "bob", expiresInMs: 60_000 });

    socket.serverClose(1006);

    expect(seen.at(-1)).toEqual([]);
  });

  test("presence frames reach subscribers", async () => {
    const { client, socket } = await onlineClient();
    const seen = collect<Presence[]>((listener) => client.subscribePresence(["bob"], listener));

    socket.receive({ type: "presence", userId: "bob", status: "online", lastSeenAt: null });

    expect(seen.at(-1)).toEqual([{ userId: "bob", status: "online", lastSeenAt: null }]);
  });

  test("presence route 404 means unknown", async () => {
    const server = new FakeServer();
    server.presence = null;
    const { client } = await onlineClient(server);
    const seen = collect<Presence[]>((listener) => client.subscribePresence(["bob"], listener));

    await vi.waitFor(() => expect(server.requestsTo("/v1/presence")).toHaveLength(1));

    expect(seen.at(-1)).toEqual([{ userId: "bob", status: "unknown", lastSeenAt: null }]);
  });
});

describe("membership and versions", () => {
  test("removeMember updates the member list", async () => {
    const { client } = await onlineClient();

    await client.removeMember("c1", "carol");

    await vi.waitFor(async () => expect((await summary(client))?.members).toEqual(["me", "bob"]));
  });

  test("close 4426 is final (I16)", async () => {
    const client = makeClient(new FakeServer());
    const statuses = collect<ConnectionStatus>((listener) => client.subscribeStatus(listener));
    const socket = await vi.waitFor(() => FakeSocket.latest());
    socket.acceptOpen();

    socket.serverClose(closeCodes.unsupportedVersion);
    client.sync().catch(() => {});

    expect(statuses.at(-1)).toBe("unsupported");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(FakeSocket.instances).toHaveLength(1);
    expect(statuses.at(-1)).toBe("unsupported");
  });

  test("HTTP 426 sets unsupported (I16)", async () => {
    const server = new FakeServer();
    const body = { error: { code: "unsupported_version", message: "Upgrade." } };
    server.rejectRequest = () => ({ status: 426, body });
    const client = makeClient(server);
    const statuses = collect<ConnectionStatus>((listener) => client.subscribeStatus(listener));

    await expect(client.sync()).rejects.toMatchObject({ code: "unsupported_version" });

    expect(statuses.at(-1)).toBe("unsupported");
  });

  test("HTTP requests carry the protocol version", async () => {
    const server = new FakeServer();
    const seen: Array<string | undefined> = [];
    const client = makeClient(server, {
      fetch: (input, init) => {
        seen.push(
          (init?.headers as Record<string, string> | undefined)?.["syncline-protocol-version"],
        );
        return server.fetch(input, init);
      },
    });

    await client.sync();

    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set(["1"]));
  });
});
