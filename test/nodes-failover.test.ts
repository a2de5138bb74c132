import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Event, PushResult } from "@syncline/protocol";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { openReadySocket, type TestSocket } from "../packages/server/src/testing/socket-client.ts";
import { createTestApi } from "./support/api.ts";
import {
  createTemporaryDatabase,
  type TemporaryDatabase,
  testDatabaseUrl,
} from "./support/postgres.ts";
import { type ServerProcess, spawnServer } from "./support/server-process.ts";
import { signTestToken, testAuthSecret } from "./support/tokens.ts";

/** Generous for a loaded two-core machine; delivery normally takes milliseconds. */
const deliveryTimeoutMs = 10_000;

function notifiedEvents(socket: TestSocket, conversationId: string): Event[] {
  return socket.frames.flatMap((frame) =>
    frame.type === "notify" && frame.conversationId === conversationId ? (frame.events ?? []) : [],
  );
}

describe.skipIf(testDatabaseUrl === undefined)("three node processes on postgres", () => {
  let database: TemporaryDatabase;
  const nodes: ServerProcess[] = [];
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    database = await createTemporaryDatabase("syncline_failover");
    const env = { DATABASE_URL: database.url, AUTH_SECRET: testAuthSecret };
    for (let index = 0; index < 3; index++) {
      nodes.push(await spawnServer({ ...env, LISTEN_HEARTBEAT_MS: "500" }));
    }
  }, 120_000);
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    for (const node of nodes) await node.stop("SIGKILL");
    await database?.drop();
  });

  async function connect(node: ServerProcess, userId: string): Promise<TestSocket> {
    const socket = await openReadySocket(node.url, await signTestToken(userId));
    sockets.push(socket);
    return socket;
  }

  test("a killed node's clients move on with nothing lost", async () => {
    const [first, second, third] = nodes as [ServerProcess, ServerProcess, ServerProcess];
    const writer = "wes";
    const token = await signTestToken(writer);
    await createTestApi(first.url, token).createConversation("failover", [writer, "rae", "sol"]);
    const onSecond = await connect(second, "rae");
    let onFirst = await connect(first, "sol");

    const acked = new Map<string, number>();
    let api = createTestApi(first.url, token);
    const pushUntilAcked = async (clientId: string): Promise<void> => {
      let result: PushResult;
      try {
        result = await api.pushMessage("failover", clientId, `text of ${clientId}`);
      } catch {
        // The node died with this push in flight: send the same op to the next node.
        api = createTestApi(third.url, token);
        result = await api.pushMessage("failover", clientId, `text of ${clientId}`);
      }
      if (result.status !== "ok") throw new Error(`push ${clientId} failed: ${result.code}`);
      acked.set(clientId, result.seq);
    };

    for (let index = 0; index < 10; index++) await pushUntilAcked(`failover-op-${index}`);
    await vi.waitFor(() => expect(notifiedEvents(onFirst, "failover")).toHaveLength(10), {
      timeout: deliveryTimeoutMs,
    });
    const killed = first.stop("SIGKILL");
    const during = Array.from({ length: 10 }, (_, index) =>
      pushUntilAcked(`failover-op-${10 + index}`),
    );
    await killed;
    await Promise.all(during);
    await onFirst.waitForClose();
    onFirst = await connect(third, "sol");
    for (let index = 20; index < 30; index++) await pushUntilAcked(`failover-op-${index}`);

    const solApi = createTestApi(third.url, await signTestToken("sol"));
    const log = await solApi.pullAll("failover");
    expect(log.map((event) => event.seq)).toEqual(log.map((_, index) => index + 1));
    expect(log).toHaveLength(30);
    for (const event of log) expect(acked.get(event.clientId)).toBe(event.seq);
    await vi.waitFor(
      () => {
        const moved = new Set(notifiedEvents(onFirst, "failover").map((event) => event.seq));
        expect(moved.size).toBe(10);
      },
      { timeout: deliveryTimeoutMs },
    );
    await vi.waitFor(
      () => {
        const seen = new Set(notifiedEvents(onSecond, "failover").map((event) => event.seq));
        expect(seen.size).toBe(30);
      },
      { timeout: deliveryTimeoutMs },
    );
  }, 120_000);
});

describe("pglite data folder", () => {
  test("a second process on one folder exits with an error", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "syncline-lock-"));
    // This test process stands for the first server: its pid is alive.
    await writeFile(join(dataDir, "syncline.lock"), `${process.pid}\n`);

    const second = spawnServer({ DATA_DIR: dataDir, AUTH_SECRET: testAuthSecret });

    await expect(second).rejects.toThrow(/exited \(1\)[\s\S]*in use by process/);
    await rm(dataDir, { recursive: true, force: true });
  }, 60_000);
});
