import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { type ClientOptions, createClient, type SynclineClient } from "./index.ts";
import { silentLogger } from "./logger.ts";
import type { LockManagerLike } from "./tab-leader.ts";
import { FakeServer } from "./testing/fake-server.ts";
import { FakeSocket } from "./testing/fake-socket.ts";

const clients: SynclineClient[] = [];

beforeEach(() => {
  FakeSocket.reset();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

/** An exclusive lock manager for one process: requests for a name run one after another. */
function createFakeLocks(): LockManagerLike {
  const tails = new Map<string, Promise<unknown>>();
  return {
    request(name, options, callback) {
      const previous = tails.get(name) ?? Promise.resolve();
      const run = previous.then(() => (options.signal?.aborted ? undefined : callback()));
      tails.set(
        name,
        run.catch(() => {}),
      );
      return run;
    },
  };
}

function makeTab(server: FakeServer, shared: Partial<ClientOptions>) {
  const client = createClient({
    baseUrl: "http://server.test",
    userId: "me",
    getToken: async () => "token-1",
    fetch: server.fetch,
    WebSocket: FakeSocket,
    IDBKeyRange,
    databaseName: "tabs",
    logger: silentLogger,
    random: () => 0,
    ...shared,
  });
  clients.push(client);
  return client;
}

describe("tab leader", () => {
  test("only the leader opens a socket", async () => {
    const server = new FakeServer();
    const shared = { indexedDB: new IDBFactory(), locks: createFakeLocks() };
    const leader = makeTab(server, shared);
    const follower = makeTab(server, shared);

    await Promise.all([leader.getMessages("c1"), follower.getMessages("c1")]);

    await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    expect(FakeSocket.instances).toHaveLength(1);
  });

  test("leader pushes a follower's send", async () => {
    const server = new FakeServer();
    server.addConversation("c1", ["me"]);
    const shared = { indexedDB: new IDBFactory(), locks: createFakeLocks() };
    const leader = makeTab(server, shared);
    const follower = makeTab(server, shared);
    await leader.getMessages("c1");

    await follower.send("c1", "from the follower");

    await vi.waitFor(() => expect(server.conversations.get("c1")?.events).toHaveLength(1));
    await vi.waitFor(async () => expect((await follower.getMessages("c1"))[0]?.state).toBe("sent"));
  });

  test("closing the leader hands over", async () => {
    const server = new FakeServer();
    server.addConversation("c1", ["me"]);
    const shared = { indexedDB: new IDBFactory(), locks: createFakeLocks() };
    const leader = makeTab(server, shared);
    const follower = makeTab(server, shared);
    await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(1));

    await leader.close();
    await follower.send("c1", "after handover");

    await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(2));
    await vi.waitFor(() => expect(server.conversations.get("c1")?.events).toHaveLength(1));
  });
});
