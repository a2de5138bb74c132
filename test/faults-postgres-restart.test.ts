import { createClient } from "@syncline/client-sdk";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import {
  type Acks,
  acksOf,
  expectAckedExactlyOnce,
  expectConverged,
  pushUntilAcked,
} from "./support/fault-checks.ts";
import {
  createPrivateCluster,
  findClusterBinaries,
  type PrivateCluster,
  privateClusterSkipReason,
} from "./support/private-postgres.ts";
import { sdkOptions, serverEvents } from "./support/server-harness.ts";
import { type SupervisedServer, startSupervisedServer } from "./support/supervised-server.ts";
import { signTestToken, testAuthSecret } from "./support/tokens.ts";

/**
 * Restarts a real Postgres under the running server: a cluster this file
 * creates with initdb in a temp dir, never the shared one on port 5432.
 */

const binaries = findClusterBinaries();
const skipReason = await privateClusterSkipReason();

const slow = { timeout: 60_000, interval: 100 };
const pushers = ["p1", "p2", "p3"];
const messagesPerPusher = 60;
const bobMessages = 30;

let cluster: PrivateCluster | undefined;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  if ("binDir" in binaries && skipReason === undefined) {
    cluster = await createPrivateCluster(binaries.binDir);
  }
}, 120_000);

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await cluster?.destroy();
}, 60_000);

async function createConversation(url: string, token: string, id: string, members: string[]) {
  const response = await fetch(`${url}/v1/conversations`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ id, members }),
  });
  expect(response.status).toBe(201);
}

async function readyzStatus(server: SupervisedServer): Promise<number | "outagePush"> {
  try {
    return (await fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(5_000) })).status;
  } catch {
    return "outagePush";
  }
}

async function pushOnce(server: SupervisedServer, token: string, clientId: string) {
  const response = await fetch(`${server.url}/v1/push`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({
      ops: [{ clientId, conversationId: "r1", type: "message", body: { text: clientId } }],
    }),
  });
  const body = (await response.json()) as { error?: { code: string } };
  return {
    status: response.status,
    code: body.error?.code,
    retryAfter: response.headers.get("retry-after"),
  };
}

describe.skipIf(skipReason !== undefined)(
  `real postgres restart${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`,
  () => {
    test("server keeps acks across restarts", async () => {
      const pg = cluster as PrivateCluster;
      const server = await startSupervisedServer({
        DATABASE_URL: pg.url,
        AUTH_SECRET: testAuthSecret,
      });
      cleanups.push(() => server.stop());
      const token = await signTestToken("alice");
      await createConversation(server.url, token, "r1", ["bob"]);
      const bob = createClient(
        sdkOptions(server.url, "bob", { getToken: () => signTestToken("bob") }),
      );
      cleanups.push(() => bob.close());

      const acks: Acks = new Map();
      const unavailable = new Map<string, number>();
      const load = pushers.map((prefix) =>
        pushUntilAcked({
          baseUrl: server.url,
          token,
          conversationId: "r1",
          prefix,
          count: messagesPerPusher,
          acks,
          pauseMs: 40,
          unavailable,
        }),
      );
      const bobSends = (async () => {
        for (let i = 0; i < bobMessages; i++) {
          await bob.send("r1", `bob ${i}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      /** Server output of crashes so far, for the messages of waits that time out. */
      const crashes = () => `server crashes: ${JSON.stringify(server.crashOutput)}`;
      const waitForProgress = async () => {
        const before = acks.size;
        await vi.waitFor(() => {
          expect(acks.size, `acks stalled at ${before}; ${crashes()}`).toBeGreaterThan(before + 5);
        }, slow);
        expect(acks.size).toBeLessThan(pushers.length * messagesPerPusher);
      };

      await waitForProgress();
      await pg.restart("fast");

      await waitForProgress();
      await pg.stop("fast");
      const downStatus = await vi.waitFor(async () => {
        const status = await readyzStatus(server);
        expect(status, crashes()).toBe(503);
        return status;
      }, slow);
      const outagePush = await pushOnce(server, token, "during-outage");
      await vi.waitFor(() => expect(unavailable.get("unavailable") ?? 0).toBeGreaterThan(0), slow);
      await pg.start();
      const upStatus = await vi.waitFor(async () => {
        const status = await readyzStatus(server);
        expect(status, crashes()).toBe(200);
        return status;
      }, slow);

      await waitForProgress();
      await pg.restart("immediate");

      await Promise.all([...load, bobSends]);
      const total = pushers.length * messagesPerPusher + bobMessages;
      const events = await vi.waitFor(async () => {
        const log = await serverEvents(server.url, token, "r1");
        expect(log).toHaveLength(total);
        return log;
      }, slow);

      // The store's transactions never write to a closed connection, so the process must not exit.
      expect(server.crashOutput).toEqual([]);
      expect(downStatus).toBe(503);
      expect(outagePush.status).toBe(503);
      expect(outagePush.code).toBe("unavailable");
      expect(outagePush.retryAfter).toBe("1");
      expect(upStatus).toBe(200);
      expect(acks.size).toBe(pushers.length * messagesPerPusher);
      expectAckedExactlyOnce(events, acks);
      await expectConverged(bob, "r1", events);
      expectAckedExactlyOnce(events, await acksOf(bob, "r1"));
    }, 240_000);
  },
);
