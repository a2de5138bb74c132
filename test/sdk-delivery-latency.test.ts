import { createClient } from "@syncline/client-sdk";
import { afterEach, describe, expect, test, vi } from "vitest";
import {
  parsePrometheusText,
  sampleValue,
} from "../packages/server/src/testing/prometheus-text.ts";
import {
  sdkOptions,
  startTestServer,
  storeKinds,
  summaryOf,
  type TestServer,
} from "./support/server-harness.ts";
import { startTcpProxy } from "./support/tcp-proxy.ts";

const waitLong = { timeout: 20_000, interval: 100 };
const histogram = "syncline_device_delivery_duration_seconds";
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function createConversation(server: TestServer, id: string, members: string[]) {
  const response = await fetch(`${server.url}/v1/conversations`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${await server.token("alice")}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({ id, members }),
  });
  expect(response.status).toBe(201);
}

function open(baseUrl: string, userId: string) {
  const client = createClient(sdkOptions(baseUrl, userId));
  cleanups.push(() => client.close());
  return client;
}

/** Reads the count and sum of the SDK-reported delivery histogram for one `via` label. */
async function deviceHistogram(server: TestServer, via: "notify" | "pull") {
  const samples = parsePrometheusText(await (await fetch(`${server.url}/metrics`)).text());
  return {
    count: sampleValue(samples, `${histogram}_count`, { via }) ?? 0,
    sum: sampleValue(samples, `${histogram}_sum`, { via }) ?? 0,
  };
}

describe.each(storeKinds)("SDK delivery latency on $kind", ({ kind, skip }) => {
  test.skipIf(skip)("notified messages report latency", async () => {
    const server = await startTestServer(kind);
    cleanups.push(() => server.close());
    await createConversation(server, "c1", ["bob"]);
    const bob = open(server.url, "bob");
    await vi.waitFor(async () => expect(await summaryOf(bob, "c1")).toBeDefined(), waitLong);
    const alice = open(server.url, "alice");
    const before = await deviceHistogram(server, "notify");

    for (let i = 0; i < 5; i++) {
      await alice.send("c1", `live ${i}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await vi.waitFor(async () => {
      expect(await bob.getMessages("c1")).toHaveLength(5);
    }, waitLong);
    const after = await vi.waitFor(async () => {
      const current = await deviceHistogram(server, "notify");
      expect(current.count).toBeGreaterThan(before.count);
      return current;
    }, waitLong);

    const samples = after.count - before.count;
    const meanSeconds = (after.sum - before.sum) / samples;
    expect(before.count).toBe(0);
    // At most one report per conversation per second, and each carries at most one sample.
    expect(samples).toBeLessThanOrEqual(5);
    expect(meanSeconds).toBeGreaterThanOrEqual(0);
    expect(meanSeconds).toBeLessThan(5);
  });

  test.skipIf(skip)("pulled messages report latency", async () => {
    const server = await startTestServer(kind);
    cleanups.push(() => server.close());
    const proxy = await startTcpProxy(server.port);
    cleanups.push(() => proxy.close());
    await createConversation(server, "c2", ["bob"]);
    const alice = open(server.url, "alice");
    await alice.send("c2", "before");
    const bob = open(proxy.url, "bob");
    await vi.waitFor(async () => expect(await bob.getMessages("c2")).toHaveLength(1), waitLong);

    proxy.setOffline(true);
    await alice.send("c2", "while offline");
    await vi.waitFor(async () => {
      const messages = await alice.getMessages("c2");
      expect(messages.map((message) => message.seq)).toEqual([1, 2]);
    }, waitLong);
    const offlineMs = 1_500;
    await new Promise((resolve) => setTimeout(resolve, offlineMs));
    proxy.setOffline(false);
    await vi.waitFor(async () => expect(await bob.getMessages("c2")).toHaveLength(2), waitLong);
    const pulled = await vi.waitFor(async () => {
      const current = await deviceHistogram(server, "pull");
      expect(current.count).toBeGreaterThan(0);
      return current;
    }, waitLong);

    // The first pull loads history, so only the catch-up after the outage is sampled.
    expect(pulled.count).toBe(1);
    expect(pulled.sum).toBeGreaterThanOrEqual(offlineMs / 1000);
    expect(pulled.sum).toBeLessThan(30);
  });
});
