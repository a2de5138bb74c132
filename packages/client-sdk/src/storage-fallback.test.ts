import { IDBDatabase, IDBFactory, IDBKeyRange, IDBObjectStore } from "fake-indexeddb";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { type ClientOptions, createClient, type SynclineClient } from "./index.ts";
import { silentLogger } from "./logger.ts";
import type { StorageStatus } from "./storage-status.ts";
import { FakeServer } from "./testing/fake-server.ts";
import { FakeSocket } from "./testing/fake-socket.ts";

const clients: SynclineClient[] = [];

beforeEach(() => {
  FakeSocket.reset();
});

afterEach(async () => {
  vi.restoreAllMocks();
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

/** An IndexedDB factory whose `open` returns a request that never fires an event. */
function hangingFactory(): IDBFactory {
  const real = new IDBFactory();
  return new Proxy(real, {
    get(target, key) {
      if (key === "open") return () => ({}) as IDBOpenDBRequest;
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("memory fallback", () => {
  test("open that never settles falls back to memory", async () => {
    const server = new FakeServer();
    server.addConversation("c1", ["me"]);
    const client = makeClient(server, { indexedDB: hangingFactory(), openTimeoutMs: 50 });
    const statuses: StorageStatus[] = [];
    client.subscribeStorage((status) => statuses.push(status));
    const shown: string[][] = [];
    client.subscribeMessages("c1", (messages) => shown.push(messages.map((entry) => entry.text)));

    const message = await client.send("c1", "hello");

    expect(message.state).toBe("pending");
    const status = client.getStorageStatus();
    expect(status.backend).toBe("memory");
    expect(status.error?.code).toBe("storage_unavailable");
    expect(statuses.map((entry) => entry.backend)).toEqual(["opening", "memory"]);
    await vi.waitFor(async () => {
      await client.sync();
      expect((await client.getMessages("c1"))[0]?.state).toBe("sent");
    });
    expect(server.conversations.get("c1")?.events).toHaveLength(1);
    await vi.waitFor(() => expect(shown.at(-1)).toEqual(["hello"]));
  });

  test("missing IndexedDB falls back to memory", async () => {
    const server = new FakeServer();
    server.addConversation("c1", ["me"]);
    // Node has no global indexedDB, so a client given none has no IndexedDB at all.
    const client = createClient({
      baseUrl: "http://server.test",
      userId: "me",
      getToken: async () => "token-1",
      fetch: server.fetch,
      WebSocket: FakeSocket,
      logger: silentLogger,
      random: () => 0,
    });
    clients.push(client);

    const message = await client.send("c1", "hello");

    expect(message.state).toBe("pending");
    expect(client.getStorageStatus().backend).toBe("memory");
    expect(client.getStorageStatus().error?.code).toBe("storage_unavailable");
    await vi.waitFor(async () => {
      await client.sync();
      expect((await client.getMessages("c1"))[0]?.state).toBe("sent");
    });
  });

  test("fallback none keeps storage_unavailable", async () => {
    const client = makeClient(new FakeServer(), {
      indexedDB: hangingFactory(),
      openTimeoutMs: 50,
      storageFallback: "none",
    });

    await expect(client.send("c1", "hello")).rejects.toMatchObject({
      code: "storage_unavailable",
    });
    expect(client.getStorageStatus().backend).toBe("opening");
    expect(client.getStorageStatus().error?.code).toBe("storage_unavailable");
  });
});

describe("persistent storage", () => {
  test("grant is requested and reported", async () => {
    const persist = vi.fn(async () => true);
    const client = makeClient(new FakeServer(), { storageManager: { persist } });

    await client.getMessages("c1");

    await vi.waitFor(() => expect(client.getStorageStatus().persisted).toBe(true));
    expect(client.getStorageStatus().backend).toBe("indexeddb");
    expect(persist).toHaveBeenCalledTimes(1);
  });

  test("denial is reported as not persisted", async () => {
    const client = makeClient(new FakeServer(), { storageManager: { persist: async () => false } });

    await client.getMessages("c1");

    await vi.waitFor(() => expect(client.getStorageStatus().persisted).toBe(false));
  });

  test("memory backend does not ask for persistence", async () => {
    const persist = vi.fn(async () => true);
    const client = makeClient(new FakeServer(), {
      indexedDB: hangingFactory(),
      openTimeoutMs: 50,
      storageManager: { persist },
    });

    await client.getMessages("c1");

    expect(client.getStorageStatus().backend).toBe("memory");
    expect(persist).not.toHaveBeenCalled();
  });
});

describe("quota", () => {
  // NOTE: only tested here. In Chromium 156, the CDP call Storage.overrideQuotaForOrigin with a
  // 1-byte quota did not make IndexedDB writes fail (a 5 MB random value still committed).
  test("quota inside an AbortError rejects with storage_full", async () => {
    const client = makeClient(new FakeServer());
    await client.getMessages("c1");
    vi.spyOn(IDBObjectStore.prototype, "add").mockImplementation(() => {
      const abort = new DOMException("The transaction was aborted.", "AbortError");
      throw Object.assign(abort, {
        inner: new DOMException("The quota was exceeded.", "QuotaExceededError"),
      });
    });

    await expect(client.send("c1", "hello")).rejects.toMatchObject({ code: "storage_full" });

    vi.restoreAllMocks();
    expect(await client.getMessages("c1")).toEqual([]);
  });
});

describe("lost connection", () => {
  /**
   * Makes every transaction on the connections opened so far throw
   * UnknownError, as WebKit does after it lost the connection. Dexie itself
   * already reopens on InvalidStateError.
   */
  function dropOpenConnections() {
    const transaction = IDBDatabase.prototype.transaction;
    const seen = new Set<unknown>();
    let dead: Set<unknown> | undefined;
    vi.spyOn(IDBDatabase.prototype, "transaction").mockImplementation(function (
      this: IDBDatabase,
      ...args
    ) {
      if (dead?.has(this)) {
        throw new DOMException("Connection to Indexed Database server lost.", "UnknownError");
      }
      seen.add(this);
      return transaction.apply(this, args);
    });
    return () => {
      dead = new Set(seen);
    };
  }

  test("sync loops reopen a dropped handle", async () => {
    const server = new FakeServer();
    server.addConversation("c1", ["me", "bob"]);
    const drop = dropOpenConnections();
    const client = makeClient(server);
    await client.send("c1", "before");
    await vi.waitFor(async () => {
      await client.sync();
      expect((await client.getMessages("c1"))[0]?.state).toBe("sent");
    });

    drop();
    server.append("c1", "bob", "while dropped");

    await vi.waitFor(async () => {
      await client.sync().catch(() => {});
      const texts = (await client.getMessages("c1")).map((message) => message.text);
      expect(texts).toEqual(["before", "while dropped"]);
    });
  });

  test("send on a dropped handle keeps the outbox", async () => {
    const server = new FakeServer();
    server.addConversation("c1", ["me"]);
    const drop = dropOpenConnections();
    const client = makeClient(server);
    await client.send("c1", "first");
    drop();

    const second = await client.send("c1", "second");

    expect(second.state).toBe("pending");
    await vi.waitFor(async () => {
      await client.sync().catch(() => {});
      const messages = await client.getMessages("c1");
      expect(messages.map((message) => [message.text, message.state])).toEqual([
        ["first", "sent"],
        ["second", "sent"],
      ]);
    });
    expect(server.conversations.get("c1")?.events).toHaveLength(2);
  });
});
