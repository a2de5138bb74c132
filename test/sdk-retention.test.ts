import { createClient, type SynclineClient } from "@syncline/client-sdk";
import { loadConfig, type RunningServer, startServer } from "@syncline/server";
import { IDBFactory } from "fake-indexeddb";
import { afterEach, describe, expect, test, vi } from "vitest";
import { createTemporaryDatabase } from "./support/postgres.ts";
import { pushMessages, sdkOptions, storeKinds, summaryOf } from "./support/server-harness.ts";

const waitLong = { timeout: 20_000, interval: 50 };
const dayMs = 86_400_000;
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A sweep run on demand, as of a given time. */
type Sweep = (nowMs: number) => Promise<number>;

/** Starts a dev-mode server that keeps 30 days of events, and returns a handle on its sweeper. */
async function startRetainingServer(kind: "pglite" | "postgres") {
  const database = kind === "postgres" ? await createTemporaryDatabase("syncline_ret") : undefined;
  if (database !== undefined) cleanups.push(() => database.drop());
  const base = loadConfig({ RETENTION_DAYS: "30", LOG_LEVEL: "silent" });
  const config = { ...base, port: 0, dataDir: "memory://", databaseUrl: database?.url };
  let sweep: Sweep | undefined;
  const server: RunningServer = await startServer({
    config,
    testHooks: {
      onRetentionSweeper: (sweeper) => {
        sweep = (nowMs) => sweeper.sweep(nowMs);
      },
    },
  });
  cleanups.push(() => server.close());
  if (sweep === undefined) throw new Error("The server started no retention sweeper.");
  return { server, sweep };
}

async function devToken(baseUrl: string, userId: string): Promise<string> {
  const response = await fetch(`${baseUrl}/v1/dev/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userId }),
  });
  return ((await response.json()) as { token: string }).token;
}

async function texts(client: SynclineClient): Promise<string[]> {
  return (await client.getMessages("c1")).map((message) => message.text);
}

describe.each(storeKinds)("SDK retention on $kind", ({ kind, skip }) => {
  test.skipIf(skip)("client far behind skips to retained events (I23)", async () => {
    const { server, sweep } = await startRetainingServer(kind);
    const aliceToken = await devToken(server.url, "alice");
    const created = await fetch(`${server.url}/v1/conversations`, {
      method: "POST",
      headers: { authorization: `Bearer ${aliceToken}`, "content-type": "application/json" },
      body: JSON.stringify({ id: "c1", members: ["carol"] }),
    });
    expect(created.status).toBe(201);
    const old = Array.from({ length: 120 }, (_, i) => `old ${i + 1}`);
    await pushMessages(server.url, aliceToken, "c1", old);

    const deleted = await sweep(Date.now() + 40 * dayMs);
    await pushMessages(server.url, aliceToken, "c1", ["new 1", "new 2", "new 3"]);
    const carol = createClient(sdkOptions(server.url, "carol"));
    cleanups.push(() => carol.close());

    expect(deleted).toBe(120);
    await vi.waitFor(
      async () => expect((await summaryOf(carol, "c1"))?.cursor).toBe(123),
      waitLong,
    );
    expect(await texts(carol)).toEqual(["new 1", "new 2", "new 3"]);
    const summary = await summaryOf(carol, "c1");
    expect(summary?.latestSeq).toBe(123);
    expect(summary?.historyStartSeq).toBe(121);
  });

  test.skipIf(skip)("client keeps what it stored before", async () => {
    const { server, sweep } = await startRetainingServer(kind);
    const aliceToken = await devToken(server.url, "alice");
    await fetch(`${server.url}/v1/conversations`, {
      method: "POST",
      headers: { authorization: `Bearer ${aliceToken}`, "content-type": "application/json" },
      body: JSON.stringify({ id: "c1", members: ["carol"] }),
    });
    const indexedDB = new IDBFactory();
    const first = createClient(sdkOptions(server.url, "carol", { indexedDB }));
    await pushMessages(server.url, aliceToken, "c1", ["m1", "m2"]);
    await vi.waitFor(async () => expect((await summaryOf(first, "c1"))?.cursor).toBe(2), waitLong);
    await first.close();

    await pushMessages(server.url, aliceToken, "c1", ["m3", "m4", "m5"]);
    await sweep(Date.now() + 40 * dayMs);
    await pushMessages(server.url, aliceToken, "c1", ["m6"]);
    const again = createClient(sdkOptions(server.url, "carol", { indexedDB }));
    cleanups.push(() => again.close());

    await vi.waitFor(async () => expect((await summaryOf(again, "c1"))?.cursor).toBe(6), waitLong);
    expect(await texts(again)).toEqual(["m1", "m2", "m6"]);
    expect((await summaryOf(again, "c1"))?.historyStartSeq).toBe(6);
  });
});
