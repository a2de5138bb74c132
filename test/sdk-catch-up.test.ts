import { createClient, type SynclineClient } from "@syncline/client-sdk";
import { afterEach, describe, expect, test, vi } from "vitest";
import {
  pushMessages,
  sdkOptions,
  startTestServer,
  storeKinds,
  summaryOf,
} from "./support/server-harness.ts";
import { startTcpProxy } from "./support/tcp-proxy.ts";

const waitLong = { timeout: 20_000, interval: 50 };
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startWithConversation(kind: (typeof storeKinds)[number]["kind"]) {
  const server = await startTestServer(kind);
  cleanups.push(() => server.close());
  const aliceToken = await server.token("alice");
  const response = await fetch(`${server.url}/v1/conversations`, {
    method: "POST",
    headers: { authorization: `Bearer ${aliceToken}`, "content-type": "application/json" },
    body: JSON.stringify({ id: "c1", members: ["carol"] }),
  });
  expect(response.status).toBe(201);
  return { server, aliceToken };
}

/** Creates a fetch that records every batched pull's cursors and can hold pulls until released. */
function pullGate() {
  const cursors: Array<Record<string, number>> = [];
  let gateClosed: Promise<void> | null = null;
  let release = () => {};
  let waiting = 0;
  const gatedFetch: typeof fetch = async (input, init) => {
    if (String(input).endsWith("/v1/pull")) {
      cursors.push(JSON.parse(String(init?.body)).cursors);
      if (gateClosed !== null) {
        waiting += 1;
        await gateClosed;
      }
    }
    return fetch(input, init);
  };
  return {
    fetch: gatedFetch,
    cursors,
    get waiting() {
      return waiting;
    },
    hold() {
      gateClosed = new Promise<void>((resolve) => {
        release = resolve;
      });
    },
    release() {
      gateClosed = null;
      release();
    },
  };
}

function open(baseUrl: string, userId: string, overrides: Parameters<typeof sdkOptions>[2] = {}) {
  const client = createClient(sdkOptions(baseUrl, userId, overrides));
  cleanups.push(() => client.close());
  return client;
}

async function texts(client: SynclineClient): Promise<string[]> {
  return (await client.getMessages("c1")).map((message) => message.text);
}

describe.each(storeKinds)("SDK catch-up on $kind", ({ kind, skip }) => {
  test.skipIf(skip)(
    "notify before the catch-up pull keeps the cursor contiguous (I1)",
    async () => {
      const { server, aliceToken } = await startWithConversation(kind);
      const proxy = await startTcpProxy(server.port);
      cleanups.push(() => proxy.close());
      const gate = pullGate();
      const carol = open(proxy.url, "carol", { fetch: gate.fetch });
      const first = ["m1", "m2", "m3", "m4", "m5"];
      await pushMessages(server.url, aliceToken, "c1", first);
      await vi.waitFor(
        async () => expect((await summaryOf(carol, "c1"))?.cursor).toBe(5),
        waitLong,
      );

      proxy.setOffline(true);
      await pushMessages(server.url, aliceToken, "c1", ["m6", "m7"]);
      gate.hold();
      const pullsBefore = gate.cursors.length;
      proxy.setOffline(false);
      await vi.waitFor(() => expect(gate.waiting).toBe(1), waitLong);
      await pushMessages(server.url, aliceToken, "c1", ["m8"]);
      await vi.waitFor(async () => expect(await texts(carol)).toContain("m8"), waitLong);

      expect((await summaryOf(carol, "c1"))?.cursor).toBe(5);
      expect(await texts(carol)).toEqual([...first, "m8"]);
      gate.release();
      await vi.waitFor(
        async () => expect((await summaryOf(carol, "c1"))?.cursor).toBe(8),
        waitLong,
      );
      expect(await texts(carol)).toEqual([...first, "m6", "m7", "m8"]);
      expect(gate.cursors[pullsBefore]).toEqual({ c1: 5 });
    },
  );

  test.skipIf(skip)("server restored without the log resyncs from 0 (I9)", async () => {
    const { server, aliceToken } = await startWithConversation(kind);
    const proxy = await startTcpProxy(server.port);
    cleanups.push(() => proxy.close());
    const carol = open(proxy.url, "carol");
    const old = Array.from({ length: 50 }, (_, i) => `old ${i + 1}`);
    await pushMessages(server.url, aliceToken, "c1", old);
    await vi.waitFor(async () => expect((await summaryOf(carol, "c1"))?.cursor).toBe(50), waitLong);
    await carol.send("c1", "sent before the outage");
    await vi.waitFor(async () => expect((await summaryOf(carol, "c1"))?.cursor).toBe(51), waitLong);
    proxy.setOffline(true);
    await carol.send("c1", "queued while offline");

    const fresh = await startWithConversation(kind);
    await pushMessages(fresh.server.url, fresh.aliceToken, "c1", ["new 1", "new 2"]);
    proxy.setTargetPort(fresh.server.port);
    proxy.setOffline(false);

    await vi.waitFor(async () => {
      expect(await texts(carol)).toEqual(["new 1", "new 2", "queued while offline"]);
      expect((await carol.getMessages("c1")).every((message) => message.state === "sent")).toBe(
        true,
      );
    }, waitLong);
    expect((await summaryOf(carol, "c1"))?.cursor).toBe(3);
  });

  test.skipIf(skip).each([
    [250, [0, 100, 200]],
    [100, [0]],
    [101, [0, 100]],
  ])("backlog of %i is pulled in pages of 100", async (backlog, expectedCursors) => {
    const { server, aliceToken } = await startWithConversation(kind);
    const sent = Array.from({ length: backlog }, (_, i) => `backlog ${i + 1}`);
    await pushMessages(server.url, aliceToken, "c1", sent);
    const gate = pullGate();

    const carol = open(server.url, "carol", { fetch: gate.fetch, pullLimit: 100 });

    await vi.waitFor(
      async () => expect((await summaryOf(carol, "c1"))?.cursor).toBe(backlog),
      waitLong,
    );
    expect(await texts(carol)).toEqual(sent);
    expect(gate.cursors.map((cursors) => cursors.c1)).toEqual(expectedCursors);
  });
});
