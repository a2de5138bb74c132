import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { type ClientOptions, createClient, type SynclineClient } from "./index.ts";
import { silentLogger } from "./logger.ts";
import { FakeLocks } from "./testing/fake-locks.ts";
import { FakeServer } from "./testing/fake-server.ts";
import { FakeSocket } from "./testing/fake-socket.ts";
import { ChannelMute } from "./testing/muted-channel.ts";

const clients: SynclineClient[] = [];

beforeEach(() => {
  FakeSocket.reset();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  vi.unstubAllGlobals();
});

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
    const shared = { indexedDB: new IDBFactory(), locks: new FakeLocks() };
    const leader = makeTab(server, shared);
    const follower = makeTab(server, shared);

    await Promise.all([leader.getMessages("c1"), follower.getMessages("c1")]);

    await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    expect(FakeSocket.instances).toHaveLength(1);
  });

  test("leader pushes a follower's send", async () => {
    const server = new FakeServer();
    server.addConversation("c1", ["me"]);
    const shared = { indexedDB: new IDBFactory(), locks: new FakeLocks() };
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
    const shared = { indexedDB: new IDBFactory(), locks: new FakeLocks() };
    const leader = makeTab(server, shared);
    const follower = makeTab(server, shared);
    await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(1));

    await leader.close();
    await follower.send("c1", "after handover");

    await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(2));
    await vi.waitFor(() => expect(server.conversations.get("c1")?.events).toHaveLength(1));
  });
});

describe("frozen leader", () => {
  const heartbeatMs = 50;
  /** Long enough for a follower to probe and steal: 3 silent intervals, then 2 for the probe. */
  const stealWithinMs = 20 * heartbeatMs;

  test("silent leader loses the lock (I28, I30)", async () => {
    const server = new FakeServer();
    server.addConversation("c1", ["me"]);
    const locks = new FakeLocks();
    const leaderMute = new ChannelMute();
    const shared = { indexedDB: new IDBFactory(), locks, tabHeartbeatIntervalMs: heartbeatMs };
    const leader = makeTab(server, { ...shared, BroadcastChannel: leaderMute.Channel });
    await leader.getMessages("c1");
    await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    const follower = makeTab(server, shared);
    await follower.getMessages("c1");

    leaderMute.muted = true;

    await vi.waitFor(() => expect(locks.steals).toBe(1), { timeout: stealWithinMs });
    await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(2));
    expect(FakeSocket.instances[0]?.closedByClient).toBe(true);
    await follower.send("c1", "after the steal");
    await vi.waitFor(() => expect(server.conversations.get("c1")?.events).toHaveLength(1));
  });

  test("old leader does not steal back (I29)", async () => {
    const server = new FakeServer();
    server.addConversation("c1", ["me"]);
    const locks = new FakeLocks();
    const leaderMute = new ChannelMute();
    const shared = { indexedDB: new IDBFactory(), locks, tabHeartbeatIntervalMs: heartbeatMs };
    const leader = makeTab(server, { ...shared, BroadcastChannel: leaderMute.Channel });
    await leader.getMessages("c1");
    await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    const follower = makeTab(server, shared);
    await follower.getMessages("c1");
    leaderMute.muted = true;
    await vi.waitFor(() => expect(locks.steals).toBe(1), { timeout: stealWithinMs });

    leaderMute.muted = false;
    await new Promise((resolve) => setTimeout(resolve, stealWithinMs));

    expect(locks.steals).toBe(1);
    expect(FakeSocket.instances).toHaveLength(2);
    await leader.send("c1", "from the old leader");
    await vi.waitFor(() => expect(server.conversations.get("c1")?.events).toHaveLength(1));
    expect(FakeSocket.instances).toHaveLength(2);
  });

  test("heartbeats prevent a steal (I29)", async () => {
    const server = new FakeServer();
    const locks = new FakeLocks();
    const shared = { indexedDB: new IDBFactory(), locks, tabHeartbeatIntervalMs: heartbeatMs };
    const leader = makeTab(server, shared);
    const follower = makeTab(server, shared);
    await Promise.all([leader.getMessages("c1"), follower.getMessages("c1")]);

    await new Promise((resolve) => setTimeout(resolve, stealWithinMs));

    expect(locks.steals).toBe(0);
    expect(FakeSocket.instances).toHaveLength(1);
  });

  test("freeze event hands over (I28, I30)", async () => {
    // Node has no document; an EventTarget replaces it, shared by both simulated tabs.
    const page = new EventTarget();
    vi.stubGlobal("document", page);
    const server = new FakeServer();
    server.addConversation("c1", ["me"]);
    const locks = new FakeLocks();
    const shared = { indexedDB: new IDBFactory(), locks, tabHeartbeatIntervalMs: heartbeatMs };
    const leader = makeTab(server, shared);
    await leader.getMessages("c1");
    await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    const follower = makeTab(server, shared);
    await follower.getMessages("c1");

    page.dispatchEvent(new Event("freeze"));

    await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(2));
    expect(FakeSocket.instances[0]?.closedByClient).toBe(true);
    expect(locks.steals).toBe(0);
    await follower.send("c1", "after the freeze");
    await vi.waitFor(() => expect(server.conversations.get("c1")?.events).toHaveLength(1));
  });
});
