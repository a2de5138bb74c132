import { createClient, type SynclineClient } from "@syncline/client-sdk";
import { loadConfig, type RunningServer, startServer } from "@syncline/server";
import { afterEach, describe, expect, test, vi } from "vitest";
import {
  parsePrometheusText,
  sampleValue,
} from "../packages/server/src/testing/prometheus-text.ts";
import {
  type Acks,
  acksOf,
  expectAckedExactlyOnce,
  expectConverged,
  pushUntilAcked,
} from "./support/fault-checks.ts";
import { createTemporaryDatabase, testDatabaseUrl } from "./support/postgres.ts";
import { sdkOptions, serverEvents } from "./support/server-harness.ts";
import { createStoreOutage, type StoreOutage } from "./support/store-outage.ts";
import { startSupervisedServer } from "./support/supervised-server.ts";
import { signTestToken, testAuthSecret } from "./support/tokens.ts";

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
  server: RunningServer;
  outage: StoreOutage;
  token(userId: string): Promise<string>;
  open(userId: string): SynclineClient;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

/** Starts a dev-mode server on a fresh Postgres database, with an outage switch for it. */
async function setup(): Promise<Setup> {
  const database = await createTemporaryDatabase("syncline_faults");
  cleanups.push(() => database.drop());
  const outage = createStoreOutage(database.url);
  cleanups.push(async () => {
    await outage.end();
    await outage.close();
  });
  const config = { ...loadConfig({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent" }), port: 0 };
  const server = await startServer({ config: { ...config, databaseUrl: database.url } });
  cleanups.push(() => server.close());
  return {
    server,
    outage,
    async token(userId) {
      const response = await fetch(`${server.url}/v1/dev/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ userId }),
      });
      return ((await response.json()) as { token: string }).token;
    },
    open(userId) {
      const client = createClient(sdkOptions(server.url, userId));
      cleanups.push(() => client.close());
      return client;
    },
    async metric(name, labels = {}) {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      return sampleValue(parsePrometheusText(text), name, labels) ?? 0;
    },
  };
}

async function createConversation(url: string, token: string, id: string, members: string[]) {
  const response = await fetch(`${url}/v1/conversations`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ id, members }),
  });
  expect(response.status).toBe(201);
}

const slow = { timeout: 30_000, interval: 200 };

describe.skipIf(testDatabaseUrl === undefined)("faults on postgres", () => {
  test("readyz and push report a store outage", async () => {
    const t = await setup();
    const token = await t.token("alice");
    await createConversation(t.server.url, token, "o1", []);
    const push = () =>
      fetch(`${t.server.url}/v1/push`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          ops: [
            { clientId: "outage-1", conversationId: "o1", type: "message", body: { text: "x" } },
          ],
        }),
      });
    expect((await fetch(`${t.server.url}/readyz`)).status).toBe(200);

    await t.outage.begin();
    await vi.waitFor(async () => {
      expect((await fetch(`${t.server.url}/readyz`)).status).toBe(503);
    }, slow);
    const refused = await push();
    const body = (await refused.json()) as { error: { code: string } };
    await t.outage.end();
    await vi.waitFor(async () => {
      expect((await fetch(`${t.server.url}/readyz`)).status).toBe(200);
    }, slow);
    const accepted = await push();

    expect(refused.status).toBe(503);
    expect(body.error.code).toBe("unavailable");
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(accepted.status).toBe(200);
    expect(await t.metric("syncline_pushes_total", { code: "unavailable" })).toBe(1);
    expect(await t.metric("syncline_store_errors_total", { kind: "unavailable" })).toBeGreaterThan(
      0,
    );
    expect(await t.metric("syncline_store_errors_total", { kind: "other" })).toBe(0);
  }, 90_000);

  test("SDK push retries through an outage", async () => {
    const t = await setup();
    const alice = t.open("alice");
    await alice.createConversation({ id: "o2", members: ["bob"] });
    const bob = t.open("bob");
    await alice.sync();

    await t.outage.begin();
    for (let i = 0; i < 5; i++) await alice.send("o2", `during outage ${i}`);
    await vi.waitFor(async () => {
      expect(await t.metric("syncline_pushes_total", { code: "unavailable" })).toBeGreaterThan(0);
    }, slow);
    const pendingDuringOutage = (await alice.getMessages("o2")).filter(
      (message) => message.state === "pending",
    );
    await t.outage.end();
    const events = await vi.waitFor(async () => {
      const log = await serverEvents(t.server.url, await t.token("alice"), "o2");
      expect(log).toHaveLength(5);
      return log;
    }, slow);

    expect(pendingDuringOutage).toHaveLength(5);
    await expectConverged(alice, "o2", events);
    await expectConverged(bob, "o2", events);
    expectAckedExactlyOnce(events, await acksOf(alice, "o2"));
  }, 120_000);

  test("connection drops under push load", async () => {
    const database = await createTemporaryDatabase("syncline_faults");
    cleanups.push(() => database.drop());
    const outage = createStoreOutage(database.url);
    cleanups.push(() => outage.close());
    const server = await startSupervisedServer({
      DATABASE_URL: database.url,
      AUTH_SECRET: testAuthSecret,
    });
    cleanups.push(() => server.stop());
    const token = await signTestToken("alice");
    await createConversation(server.url, token, "o3", ["bob"]);
    const bob = createClient(
      sdkOptions(server.url, "bob", { getToken: () => signTestToken("bob") }),
    );
    cleanups.push(() => bob.close());
    const acks: Acks = new Map();
    const pushers = ["p1", "p2", "p3"].map((prefix) =>
      pushUntilAcked({ baseUrl: server.url, token, conversationId: "o3", prefix, count: 30, acks }),
    );
    for (let i = 0; i < 30; i++) await bob.send("o3", `bob ${i}`);

    for (let drop = 0; drop < 5; drop++) {
      const before = acks.size;
      // TODO: pace the pushers so that all five drops hit live load, because fast pushers finish
      // first and leave no ack to wait for, so the loop stops early.
      if (before === 90) break;
      await vi.waitFor(() => expect(acks.size).toBeGreaterThan(before), slow);
      await outage.dropConnections();
    }
    await Promise.all(pushers);
    const events = await vi.waitFor(async () => {
      const log = await serverEvents(server.url, token, "o3");
      expect(log).toHaveLength(120);
      return log;
    }, slow);

    expect(acks.size).toBe(90);
    expectAckedExactlyOnce(events, acks);
    await expectConverged(bob, "o3", events);
    expectAckedExactlyOnce(events, await acksOf(bob, "o3"));
  }, 180_000);
});
