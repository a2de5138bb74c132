import type { ConnectionStatus } from "@syncline/client-sdk";
import { createClient, type SynclineClient } from "@syncline/client-sdk";
import { afterEach, describe, expect, test, vi } from "vitest";
import { acksOf, expectAckedExactlyOnce, expectConverged } from "./support/fault-checks.ts";
import { sdkOptions, serverEvents, startTestServer, storeKinds } from "./support/server-harness.ts";
import { startTcpProxy } from "./support/tcp-proxy.ts";

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const slow = { timeout: 60_000, interval: 200 };

/** SDK settings that notice a dead connection within seconds. */
const quickDetection = { heartbeatIntervalMs: 500, requestTimeoutMs: 2000 };

async function setup(kind: (typeof storeKinds)[number]["kind"]) {
  const server = await startTestServer(kind);
  cleanups.push(() => server.close());
  const proxy = await startTcpProxy(server.port);
  cleanups.push(() => proxy.close());
  const open = (userId: string): SynclineClient => {
    const client = createClient(sdkOptions(proxy.url, userId, quickDetection));
    cleanups.push(() => client.close());
    return client;
  };
  const alice = open("alice");
  await alice.createConversation({ id: "f1", members: ["bob"] });
  const bob = open("bob");
  await bob.sync();
  return { server, proxy, alice, bob };
}

function trackStatus(client: SynclineClient): ConnectionStatus[] {
  const seen: ConnectionStatus[] = [];
  client.subscribeStatus((status) => seen.push(status));
  return seen;
}

async function expectGuarantees(
  serverUrl: string,
  token: string,
  clients: SynclineClient[],
  count: number,
) {
  const events = await vi.waitFor(async () => {
    const log = await serverEvents(serverUrl, token, "f1");
    expect(log).toHaveLength(count);
    return log;
  }, slow);
  for (const client of clients) {
    await expectConverged(client, "f1", events);
    expectAckedExactlyOnce(events, await acksOf(client, "f1"));
  }
}

describe.each(storeKinds)("network faults on $kind", ({ kind, skip }) => {
  test.skipIf(skip)(
    "push responses cut after the server acted",
    async () => {
      const { server, proxy, alice, bob } = await setup(kind);

      for (let round = 0; round < 3; round++) {
        const cut = proxy.cutNextPushResponse();
        await alice.send("f1", `alice ${round}`);
        await bob.send("f1", `bob ${round}`);
        await cut;
      }

      await expectGuarantees(server.url, await server.token("alice"), [alice, bob], 6);
    },
    120_000,
  );

  test.skipIf(skip)(
    "half-open connections are replaced",
    async () => {
      const { server, proxy, alice, bob } = await setup(kind);
      const aliceStatus = trackStatus(alice);
      await vi.waitFor(() => expect(aliceStatus.at(-1)).toBe("online"), slow);

      proxy.setStalled(true);
      for (let i = 0; i < 3; i++) await alice.send("f1", `stalled ${i}`);
      await vi.waitFor(() => expect(aliceStatus.at(-1)).not.toBe("online"), slow);
      proxy.setStalled(false);
      await bob.send("f1", "after");

      await vi.waitFor(() => expect(aliceStatus.at(-1)).toBe("online"), slow);
      await expectGuarantees(server.url, await server.token("alice"), [alice, bob], 4);
      const metrics = await alice.getMetrics();

      expect(metrics.reconnects).toBeGreaterThanOrEqual(1);
      expect(metrics.outboxDepth).toBe(0);
      expect(metrics.oldestPendingAgeMs).toBeNull();
      expect(metrics.sendToAck.count).toBe(3);
      expect(metrics.sendToAck.lastMs).toBeGreaterThan(0);
    },
    120_000,
  );
});
