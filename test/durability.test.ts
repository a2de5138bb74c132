import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Event } from "@syncline/protocol";
import { afterEach, describe, expect, test, vi } from "vitest";
import { createTestApi } from "./support/api.ts";
import { createTemporaryDatabase, testDatabaseUrl } from "./support/postgres.ts";
import { type ServerProcess, spawnServer } from "./support/server-process.ts";
import { signTestToken, testAuthSecret } from "./support/tokens.ts";

interface StoreUnderTest {
  name: string;
  skip: boolean;
  /** Makes the environment of a server on a fresh store, and a cleanup. */
  prepare(): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }>;
}

const stores: StoreUnderTest[] = [
  {
    name: "pglite",
    skip: false,
    async prepare() {
      const dataDir = await mkdtemp(join(tmpdir(), "syncline-durability-"));
      return {
        env: { DATA_DIR: dataDir },
        cleanup: () => rm(dataDir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: "postgres",
    skip: testDatabaseUrl === undefined,
    async prepare() {
      const database = await createTemporaryDatabase("syncline_durability");
      return { env: { DATABASE_URL: database.url }, cleanup: () => database.drop() };
    },
  },
];

/** Each test starts a server process twice, which takes seconds on a busy 2-core machine. */
const processTestTimeoutMs = 120_000;

const running: ServerProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const server of running.splice(0)) await server.stop("SIGKILL");
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function start(env: Record<string, string>): Promise<ServerProcess> {
  const server = await spawnServer({ ...env, AUTH_SECRET: testAuthSecret });
  running.push(server);
  return server;
}

/** Checks that the log is exactly seqs 1..n, each client id once. */
function expectGapFree(events: Event[]): void {
  expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
  expect(new Set(events.map((event) => event.clientId)).size).toBe(events.length);
}

describe.each(stores)("durability on $name", (store) => {
  test.skipIf(store.skip)(
    "acked messages survive a graceful restart",
    async () => {
      const { env, cleanup } = await store.prepare();
      cleanups.push(cleanup);
      const token = await signTestToken("alice");
      const first = await start(env);
      const api = createTestApi(first.url, token);
      await api.createConversation("restart", []);
      const acked = new Map<string, number>();
      for (let index = 0; index < 20; index++) {
        const result = await api.pushMessage("restart", `restart-${index}-msg`, `hello ${index}`);
        if (result.status === "ok") acked.set(result.clientId, result.seq);
      }

      await first.stop("SIGTERM");
      const second = await start(env);
      const events = await createTestApi(second.url, token).pullAll("restart");

      expect(acked.size).toBe(20);
      expectGapFree(events);
      for (const [clientId, seq] of acked) {
        expect(events.find((event) => event.clientId === clientId)?.seq).toBe(seq);
      }
    },
    processTestTimeoutMs,
  );

  test.skipIf(store.skip)(
    "SIGKILL under push load loses no acked message",
    async () => {
      const { env, cleanup } = await store.prepare();
      cleanups.push(cleanup);
      const token = await signTestToken("alice");
      const first = await start(env);
      const api = createTestApi(first.url, token);
      const conversationIds = ["load-a", "load-b", "load-c"];
      for (const id of conversationIds) await api.createConversation(id, []);
      const acked = new Map<string, { conversationId: string; seq: number }>();
      let stopped = false;

      const pushers = Array.from({ length: 8 }, async (_, pusher) => {
        for (let index = 0; !stopped; index++) {
          const conversationId = conversationIds[index % conversationIds.length] as string;
          const clientId = `kill-${pusher}-${index}`;
          try {
            const result = await api.pushMessage(
              conversationId,
              clientId,
              `load ${pusher} ${index}`,
            );
            if (result.status === "ok") acked.set(clientId, { conversationId, seq: result.seq });
          } catch {
            return;
          }
        }
      });
      await vi.waitFor(() => expect(acked.size).toBeGreaterThanOrEqual(150), {
        timeout: 60_000,
        interval: 20,
      });
      await first.stop("SIGKILL");
      stopped = true;
      await Promise.all(pushers);

      const second = await start(env);
      const recovered = createTestApi(second.url, token);
      for (const conversationId of conversationIds) {
        const events = await recovered.pullAll(conversationId);
        expectGapFree(events);
        const seqByClientId = new Map(events.map((event) => [event.clientId, event.seq]));
        for (const [clientId, ack] of acked) {
          if (ack.conversationId !== conversationId) continue;
          expect(seqByClientId.get(clientId), `acked ${clientId}`).toBe(ack.seq);
        }
      }
    },
    processTestTimeoutMs,
  );
});
