import { createClient, type Message, type SynclineClient } from "@syncline/client-sdk";
import { ProtocolError } from "@syncline/protocol";
import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { afterEach, describe, expect, test, vi } from "vitest";
import { SynclineDb } from "../packages/client-sdk/src/db.ts";
import { enqueue } from "../packages/client-sdk/src/outbox.ts";
import {
  sdkOptions,
  serverEvents,
  startTestServer,
  storeKinds,
  summaryOf,
  type TestServer,
} from "./support/server-harness.ts";
import { startTcpProxy } from "./support/tcp-proxy.ts";

const waitLong = { timeout: 20_000, interval: 50 };
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  kind: (typeof storeKinds)[number]["kind"],
  hooks?: Parameters<typeof startTestServer>[1],
) {
  const server = await startTestServer(kind, hooks);
  cleanups.push(() => server.close());
  const proxy = await startTcpProxy(server.port);
  cleanups.push(() => proxy.close());
  const aliceToken = await server.token("alice");
  await createConversation(server, aliceToken, "c1", ["bob"]);
  return { server, proxy, aliceToken };
}

async function createConversation(
  server: TestServer,
  token: string,
  id: string,
  members: string[],
) {
  const response = await fetch(`${server.url}/v1/conversations`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ id, members }),
  });
  expect(response.status).toBe(201);
}

function open(baseUrl: string, userId: string, overrides: Parameters<typeof sdkOptions>[2] = {}) {
  const client = createClient(sdkOptions(baseUrl, userId, overrides));
  cleanups.push(() => client.close());
  return client;
}

async function expectDelivered(client: SynclineClient, texts: string[]) {
  await vi.waitFor(async () => {
    const messages = await client.getMessages("c1");
    expect(messages.map((message) => [message.text, message.state, message.seq])).toEqual(
      texts.map((text, i) => [text, "sent", i + 1]),
    );
  }, waitLong);
}

describe.each(storeKinds)("SDK delivery on $kind", ({ kind, skip }) => {
  test.skipIf(skip)("offline sends arrive once and in order (I5, I6)", async () => {
    const { server, proxy, aliceToken } = await setup(kind);
    proxy.setOffline(true);
    const alice = open(proxy.url, "alice");
    const texts = Array.from({ length: 20 }, (_, i) => `offline ${i}`);

    for (const text of texts) await alice.send("c1", text);
    expect((await alice.getMessages("c1")).every((message) => message.state === "pending")).toBe(
      true,
    );
    proxy.setOffline(false);

    await expectDelivered(alice, texts);
    const events = await serverEvents(server.url, aliceToken, "c1");
    expect(events.map((event) => event.body.text)).toEqual(texts);
  });

  test.skipIf(skip)("sends through a failing fetch arrive after it recovers", async () => {
    const { server, aliceToken } = await setup(kind);
    let failing = true;
    const flakyFetch: typeof fetch = (input, init) =>
      failing ? Promise.reject(new TypeError("fetch failed")) : fetch(input, init);
    const alice = open(server.url, "alice", { fetch: flakyFetch });

    await alice.send("c1", "first");
    await alice.send("c1", "second");
    await expect(alice.sync()).rejects.toMatchObject({ code: "offline" });
    failing = false;

    await expectDelivered(alice, ["first", "second"]);
    expect(await serverEvents(server.url, aliceToken, "c1")).toHaveLength(2);
  });

  test.skipIf(skip)("lost ack ends with one message (I2)", async () => {
    const { server, proxy, aliceToken } = await setup(kind);
    const alice = open(proxy.url, "alice");
    const snapshots: Message[][] = [];
    alice.subscribeMessages("c1", (messages) => snapshots.push(messages));
    const cut = proxy.cutNextPushResponse();

    await alice.send("c1", "only once");
    await cut;

    await expectDelivered(alice, ["only once"]);
    const events = await serverEvents(server.url, aliceToken, "c1");
    expect(events.map((event) => event.body.text)).toEqual(["only once"]);
    for (const snapshot of snapshots) expect(snapshot.length).toBeLessThanOrEqual(1);
  });

  test.skipIf(skip)("server copy before the ack shows the message once (I2, I3)", async () => {
    let releaseResponse = () => {};
    const responseHeld = new Promise<void>((resolve) => {
      releaseResponse = resolve;
    });
    let responsesHeld = 0;
    const { server } = await setup(kind, {
      afterCommit: async () => {
        responsesHeld += 1;
        if (responsesHeld === 1) await responseHeld;
      },
    });
    const alice = open(server.url, "alice");
    await vi.waitFor(async () => expect(await summaryOf(alice, "c1")).toBeDefined(), waitLong);
    const snapshots: Message[][] = [];
    alice.subscribeMessages("c1", (messages) => snapshots.push(messages));

    await alice.send("c1", "echo");
    await expectDelivered(alice, ["echo"]);
    releaseResponse();
    await vi.waitFor(() => expect(responsesHeld).toBe(1), waitLong);

    expect(snapshots.length).toBeGreaterThanOrEqual(1);
    for (const snapshot of snapshots) expect(snapshot.length).toBeLessThanOrEqual(1);
    expect(snapshots.at(-1)?.[0]).toMatchObject({ text: "echo", state: "sent", seq: 1 });
  });

  test.skipIf(skip)("outbox resumes after close and reopen", async () => {
    const { proxy } = await setup(kind);
    const indexedDB = new IDBFactory();
    proxy.setOffline(true);
    const first = open(proxy.url, "alice", { indexedDB, databaseName: "alice-device" });
    await first.send("c1", "before close 1");
    await first.send("c1", "before close 2");
    await first.close();

    proxy.setOffline(false);
    const second = open(proxy.url, "alice", { indexedDB, databaseName: "alice-device" });

    await expectDelivered(second, ["before close 1", "before close 2"]);
  });

  test.skipIf(skip)("503 on the first push is retried without a new send", async () => {
    let commits = 0;
    const { server, aliceToken } = await setup(kind, {
      beforeCommit: async () => {
        commits += 1;
        if (commits === 1) {
          throw new ProtocolError("unavailable", "Injected outage.", { retryAfterMs: 500 });
        }
      },
    });
    const alice = open(server.url, "alice");

    await alice.send("c1", "after outage");

    await expectDelivered(alice, ["after outage"]);
    expect(commits).toBe(2);
    expect(await serverEvents(server.url, aliceToken, "c1")).toHaveLength(1);
  });

  test.skipIf(skip)("poison ops do not block the next one (I7)", async () => {
    const { server, aliceToken } = await setup(kind);
    const indexedDB = new IDBFactory();
    const db = new SynclineDb("poisoned", { indexedDB, IDBKeyRange });
    const row = (clientId: string, text: string) => ({
      clientId,
      conversationId: "c1",
      type: "message" as const,
      body: { text },
      senderId: "alice",
      createdAt: new Date().toISOString(),
      state: "pending" as const,
    });
    // Rows an older app version queued before the limits were checked on send.
    await enqueue(db, row("0190a000-0000-7000-8000-000000000001", "x".repeat(3 * 1024 * 1024)));
    await enqueue(db, row("0190a000-0000-7000-8000-000000000002", "y".repeat(5000)));
    await enqueue(db, row("0190a000-0000-7000-8000-000000000003", "hi"));
    db.close();
    const alice = open(server.url, "alice", { indexedDB, databaseName: "poisoned" });

    await vi.waitFor(async () => {
      const messages = await alice.getMessages("c1");
      expect(messages.map((message) => [message.state, message.seq, message.error?.code])).toEqual([
        ["sent", 1, undefined],
        ["failed", null, "payload_too_large"],
        ["failed", null, "invalid_request"],
      ]);
    }, waitLong);
    const events = await serverEvents(server.url, aliceToken, "c1");
    expect(events.map((event) => event.body.text)).toEqual(["hi"]);
  });
});
