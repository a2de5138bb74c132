import { limits } from "@syncline/protocol";
import { Dexie } from "dexie";
import { IDBFactory, IDBKeyRange, IDBObjectStore } from "fake-indexeddb";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { type ClientOptions, createClient, type Message, type SynclineClient } from "./index.ts";
import { silentLogger } from "./logger.ts";
import { FakeServer } from "./testing/fake-server.ts";
import { FakeSocket } from "./testing/fake-socket.ts";

const clients: SynclineClient[] = [];

beforeEach(() => {
  FakeSocket.reset();
});

afterEach(async () => {
  vi.restoreAllMocks();
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

describe("send", () => {
  test("resolves pending, then shows sent once (I2)", async () => {
    const server = new FakeServer();
    const client = makeClient(server);
    const seen = collect<Message[]>((listener) => client.subscribeMessages("c1", listener));

    const message = await client.send("c1", "hello");

    expect(message).toMatchObject({
      conversationId: "c1",
      senderId: "me",
      text: "hello",
      seq: null,
      state: "pending",
    });
    await vi.waitFor(() =>
      expect(seen.at(-1)).toEqual([expect.objectContaining({ state: "sent", seq: 1 })]),
    );
    for (const snapshot of seen) expect(snapshot.length).toBeLessThanOrEqual(1);
  });

  test.each([
    ["empty text", "", "invalid_request"],
    ["lone surrogate", "a\uD800b", "invalid_request"],
    ["NUL character", "a\u0000b", "invalid_request"],
    ["text over the limit", "a".repeat(limits.maxTextCodePoints + 1), "payload_too_large"],
  ])("%s is rejected before queueing (I11)", async (_, text, code) => {
    const server = new FakeServer();
    const client = makeClient(server);

    await expect(client.send("c1", text)).rejects.toMatchObject({ name: "SyncError", code });

    expect(await client.getMessages("c1")).toEqual([]);
  });

  test("maximum emoji text is accepted", async () => {
    const client = makeClient(new FakeServer());

    const message = await client.send("c1", "\u{1F600}".repeat(limits.maxTextCodePoints));

    expect(message.state).toBe("pending");
  });

  test("bad conversation id is rejected", async () => {
    const client = makeClient(new FakeServer());

    await expect(client.send("has space", "hi")).rejects.toMatchObject({ code: "invalid_request" });
  });

  test("full disk rejects with storage_full (I11)", async () => {
    const server = new FakeServer();
    server.failNext("/v1/push", "network");
    const client = makeClient(server);
    await client.getMessages("c1");
    vi.spyOn(IDBObjectStore.prototype, "add").mockImplementation(() => {
      throw new DOMException("The quota was exceeded.", "QuotaExceededError");
    });

    await expect(client.send("c1", "hello")).rejects.toMatchObject({ code: "storage_full" });
  });

  test("message ids are distinct UUIDv7s in send order", async () => {
    const server = new FakeServer();
    server.rejectRequest = () => ({ status: 503 });
    const client = makeClient(server, { random: () => 0.99 });

    const sent = [];
    for (let i = 0; i < 200; i++) sent.push(await client.send("c1", `m${i}`));

    const ids = sent.map((message) => message.clientId);
    expect(new Set(ids).size).toBe(200);
    expect([...ids].sort()).toEqual(ids);
  });
});

describe("failed messages", () => {
  test("retry puts a failed message back in line", async () => {
    const server = new FakeServer();
    let reject = true;
    server.rejectOp = () => (reject ? "forbidden" : undefined);
    const client = makeClient(server);
    const message = await client.send("c1", "hello");
    await vi.waitFor(async () => expect((await client.getMessages("c1"))[0]?.state).toBe("failed"));

    reject = false;
    await client.retry(message.clientId);

    await vi.waitFor(async () => expect((await client.getMessages("c1"))[0]?.state).toBe("sent"));
  });

  test("discard of a pending message is rejected", async () => {
    const server = new FakeServer();
    server.rejectRequest = () => ({ status: 503 });
    const client = makeClient(server);
    const message = await client.send("c1", "hello");

    await expect(client.discard(message.clientId)).rejects.toMatchObject({
      code: "invalid_request",
    });

    expect(await client.getMessages("c1")).toHaveLength(1);
  });

  test("discard removes a failed message", async () => {
    const server = new FakeServer();
    server.rejectOp = () => "forbidden";
    const client = makeClient(server);
    const message = await client.send("c1", "hello");
    await vi.waitFor(async () => expect((await client.getMessages("c1"))[0]?.state).toBe("failed"));

    await client.discard(message.clientId);

    expect(await client.getMessages("c1")).toEqual([]);
  });
});

describe("lifecycle", () => {
  test("close is idempotent and final", async () => {
    const client = makeClient(new FakeServer());
    const statuses = collect((listener) => client.subscribeStatus(listener));

    await Promise.all([client.close(), client.close()]);
    await client.close();

    expect(statuses.at(-1)).toBe("closed");
    await expect(client.send("c1", "late")).rejects.toMatchObject({ code: "closed" });
    await expect(client.sync()).rejects.toMatchObject({ code: "closed" });
  });

  test("outbox resumes after close and reopen", async () => {
    const server = new FakeServer();
    server.rejectRequest = (path) => (path === "/v1/push" ? { status: 503 } : undefined);
    const indexedDB = new IDBFactory();
    const first = makeClient(server, { indexedDB, databaseName: "resume" });
    await first.send("c1", "one");
    await first.send("c1", "two");
    await first.close();

    server.rejectRequest = () => undefined;
    const second = makeClient(server, { indexedDB, databaseName: "resume" });

    await vi.waitFor(async () => {
      const messages = await second.getMessages("c1");
      expect(messages.map((message) => [message.text, message.seq])).toEqual([
        ["one", 1],
        ["two", 2],
      ]);
    });
  });

  test("sync rejects with offline when the server is unreachable", async () => {
    const server = new FakeServer();
    server.rejectRequest = () => undefined;
    const client = makeClient(server, {
      fetch: async () => Promise.reject(new TypeError("fetch failed")),
    });
    await client.send("c1", "hello");

    await expect(client.sync()).rejects.toMatchObject({ code: "offline" });
  });

  test("createConversation fails typed when offline", async () => {
    const client = makeClient(new FakeServer(), {
      fetch: async () => Promise.reject(new TypeError("fetch failed")),
    });

    await expect(client.createConversation({ members: ["bob"] })).rejects.toMatchObject({
      code: "offline",
    });
  });

  test("missing WebSocket class is a clear error", () => {
    expect(() =>
      createClient({ baseUrl: "http://server.test", userId: "me", getToken: async () => "t" }),
    ).toThrow(/WebSocket/);
  });
});

describe("storage failures", () => {
  test("open that never settles gives storage_unavailable (I11)", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
    const real = new IDBFactory();
    const hanging = new Proxy(real, {
      get(target, key) {
        if (key === "open") return () => ({}) as IDBOpenDBRequest;
        const value = Reflect.get(target, key);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const client = makeClient(new FakeServer(), {
      indexedDB: hanging,
      openTimeoutMs: 3_000,
      storageFallback: "none",
    });

    const sending = client.send("c1", "hello");
    const outcome = expect(sending).rejects.toMatchObject({ code: "storage_unavailable" });
    await vi.advanceTimersByTimeAsync(6_000);

    await outcome;
  });

  test("lost connection is reopened and the write retried", async () => {
    const client = makeClient(new FakeServer());
    await client.getMessages("c1");
    const add = IDBObjectStore.prototype.add;
    let failures = 1;
    vi.spyOn(IDBObjectStore.prototype, "add").mockImplementation(function (
      this: IDBObjectStore,
      ...args
    ) {
      if (failures-- > 0)
        throw new DOMException("Connection to Indexed Database server lost.", "UnknownError");
      return add.apply(this, args);
    });

    const message = await client.send("c1", "hello");

    expect(message.state).toBe("pending");
    expect(await client.getMessages("c1")).toHaveLength(1);
  });

  test("write that fails after a reopen is not shown as queued", async () => {
    const client = makeClient(new FakeServer());
    await client.getMessages("c1");
    vi.spyOn(IDBObjectStore.prototype, "add").mockImplementation(() => {
      throw new DOMException("Connection to Indexed Database server lost.", "UnknownError");
    });

    await expect(client.send("c1", "hello")).rejects.toMatchObject({ code: "storage_unavailable" });

    vi.restoreAllMocks();
    expect(await client.getMessages("c1")).toEqual([]);
  });

  test("upgrade from another tab closes this client's database", async () => {
    const indexedDB = new IDBFactory();
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => warnings.push(message) };
    const client = makeClient(new FakeServer(), { indexedDB, databaseName: "shared", logger });
    await client.getMessages("c1");
    vi.spyOn(console, "warn").mockImplementation(() => {});

    const newer = new Dexie("shared", { indexedDB, IDBKeyRange });
    newer
      .version(2)
      .stores({ outbox: "++position, &clientId, state, conversationId", extra: "id" });
    await newer.open();

    expect(warnings.some((message) => message.includes("upgrading"))).toBe(true);
    await expect(client.send("c1", "hello")).rejects.toMatchObject({ code: "storage_unavailable" });
    newer.close();
  });
});

describe("auth", () => {
  test("concurrent 401s share one token refresh (I8)", async () => {
    const server = new FakeServer();
    server.addConversation("c1", ["me"]);
    server.addConversation("c2", ["me"]);
    server.validTokens = new Set(["token-2"]);
    const calls: boolean[] = [];
    const client = makeClient(server, {
      getToken: async ({ forceRefresh }) => {
        calls.push(forceRefresh);
        await new Promise((resolve) => setTimeout(resolve, 10));
        return `token-${calls.length}`;
      },
    });
    const socket = await vi.waitFor(() => FakeSocket.latest());
    await client.send("c1", "hello");

    socket.acceptOpen();
    socket.serverClose(4401);
    await Promise.allSettled([client.sync(), client.getMessages("c1")]);

    await vi.waitFor(async () => expect((await client.getMessages("c1"))[0]?.state).toBe("sent"));
    expect(calls).toEqual([false, true]);
    await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(2));
    FakeSocket.latest().acceptOpen();
    expect(FakeSocket.latest().sent[0]).toEqual({
      type: "auth",
      token: "token-2",
      protocolVersion: 1,
    });
  });

  test("rejected refresh makes the status unauthorized", async () => {
    const server = new FakeServer();
    server.validTokens = new Set(["never-issued"]);
    const client = makeClient(server);
    const statuses = collect((listener) => client.subscribeStatus(listener));

    await client.send("c1", "hello");

    await vi.waitFor(() => expect(statuses.at(-1)).toBe("unauthorized"));
  });
});

describe("subscribeConversations", () => {
  test("summaries carry cursor, unread count and last message", async () => {
    const server = new FakeServer();
    server.addConversation("c1", ["me", "other"]);
    server.append("c1", "other", "first");
    server.append("c1", "other", "second");
    const client = makeClient(server);
    const seen = collect((listener) => client.subscribeConversations(listener));
    const socket = await vi.waitFor(() => FakeSocket.latest());

    socket.acceptAuth();

    await vi.waitFor(() =>
      expect(seen.at(-1)).toEqual([
        expect.objectContaining({
          id: "c1",
          members: ["me", "other"],
          latestSeq: 2,
          cursor: 2,
          unreadCount: 2,
          lastMessage: expect.objectContaining({ text: "second", seq: 2 }),
        }),
      ]),
    );
  });
});
