import type { ServerFrame } from "@syncline/protocol";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { openReadySocket, type TestSocket } from "../packages/server/src/testing/socket-client.ts";
import { createTestApi } from "./support/api.ts";
import { ensureNats, type TestNats } from "./support/nats.ts";
import {
  createTemporaryDatabase,
  type TemporaryDatabase,
  testDatabaseUrl,
} from "./support/postgres.ts";
import { type ServerProcess, spawnServer } from "./support/server-process.ts";
import { signTestToken, testAuthSecret } from "./support/tokens.ts";

const ttlMs = 3000;
const graceMs = 500;
/** Generous for a loaded two-core machine; presence normally moves within milliseconds. */
const waitOptions = { timeout: 15_000, interval: 50 };

type PresenceFrame = Extract<ServerFrame, { type: "presence" }>;

function presenceFrames(socket: TestSocket, userId: string): PresenceFrame[] {
  return socket.frames.filter(
    (frame): frame is PresenceFrame => frame.type === "presence" && frame.userId === userId,
  );
}

function statusesOf(socket: TestSocket, userId: string): string[] {
  return presenceFrames(socket, userId).map((frame) => frame.status);
}

const fanouts = [
  { name: "NOTIFY", nats: false },
  { name: "NATS", nats: true },
];

describe.skipIf(testDatabaseUrl === undefined).each(fanouts)(
  "presence across three node processes with $name",
  ({ nats: withNats }) => {
    let database: TemporaryDatabase;
    let nats: TestNats | undefined;
    const nodes: ServerProcess[] = [];
    const sockets: TestSocket[] = [];
    const pingTimers: NodeJS.Timeout[] = [];

    beforeAll(async () => {
      database = await createTemporaryDatabase("syncline_presence");
      nats = withNats ? await ensureNats() : undefined;
      const env: Record<string, string> = {
        DATABASE_URL: database.url,
        AUTH_SECRET: testAuthSecret,
        LISTEN_HEARTBEAT_MS: "500",
        PRESENCE_TTL_MS: String(ttlMs),
        PRESENCE_GRACE_MS: String(graceMs),
      };
      if (nats !== undefined) env.NATS_URL = nats.url;
      for (let index = 0; index < 3; index++) nodes.push(await spawnServer(env));
    }, 120_000);
    afterAll(async () => {
      for (const timer of pingTimers) clearInterval(timer);
      for (const socket of sockets) socket.close();
      for (const node of nodes) await node.stop("SIGKILL");
      await database?.drop();
      await nats?.stop();
    });

    /** Opens a socket that sends a ping every 500 ms, so its user stays online past the TTL. */
    async function connect(node: ServerProcess, userId: string): Promise<TestSocket> {
      const socket = await openReadySocket(node.url, await signTestToken(userId));
      sockets.push(socket);
      const timer = setInterval(() => {
        if (socket.socket.readyState === socket.socket.OPEN) socket.send({ type: "ping" });
      }, 500);
      pingTimers.push(timer);
      return socket;
    }

    async function presenceOn(node: ServerProcess, callerId: string, userId: string) {
      const response = await fetch(`${node.url}/v1/presence?userIds=${userId}`, {
        headers: { authorization: `Bearer ${await signTestToken(callerId)}` },
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { presence: PresenceFrame[] };
      return body.presence.find((entry) => entry.userId === userId);
    }

    test("user on one node is online on the others", async () => {
      const [first, second, third] = nodes as [ServerProcess, ServerProcess, ServerProcess];
      const conversationId = withNats ? "presence-nats" : "presence-notify";
      const api = createTestApi(first.url, await signTestToken("mia"));
      await api.createConversation(conversationId, ["mia", "uma"]);
      const miaOnFirst = await connect(first, "mia");
      const miaOnThird = await connect(third, "mia");
      // Each new socket first gets a snapshot, where uma is offline.
      for (const socket of [miaOnFirst, miaOnThird]) {
        await vi.waitFor(() => expect(statusesOf(socket, "uma")).toEqual(["offline"]), waitOptions);
      }

      const uma = await connect(second, "uma");
      await vi.waitFor(async () => {
        expect((await presenceOn(first, "mia", "uma"))?.status).toBe("online");
      }, waitOptions);
      await vi.waitFor(
        () => expect(statusesOf(miaOnFirst, "uma")).toContain("online"),
        waitOptions,
      );
      await vi.waitFor(
        () => expect(statusesOf(miaOnThird, "uma")).toContain("online"),
        waitOptions,
      );
      // Time for a duplicate from another node to arrive, past one beat.
      await new Promise((resolve) => setTimeout(resolve, ttlMs / 2));

      expect(statusesOf(miaOnFirst, "uma")).toEqual(["offline", "online"]);
      expect(statusesOf(miaOnThird, "uma")).toEqual(["offline", "online"]);
      expect((await presenceOn(third, "mia", "uma"))?.status).toBe("online");

      uma.close();
      const closedAtMs = Date.now();
      await vi.waitFor(
        () => expect(statusesOf(miaOnFirst, "uma").at(-1)).toBe("offline"),
        waitOptions,
      );
      const offlineAfterMs = Date.now() - closedAtMs;
      const status = await presenceOn(first, "mia", "uma");

      expect(offlineAfterMs).toBeGreaterThanOrEqual(graceMs - 50);
      expect(status?.status).toBe("offline");
      expect(status?.lastSeenAt).not.toBeNull();
      expect(Date.parse(status?.lastSeenAt ?? "")).toBeLessThanOrEqual(closedAtMs);
      await vi.waitFor(
        () => expect(statusesOf(miaOnThird, "uma").at(-1)).toBe("offline"),
        waitOptions,
      );
      expect(statusesOf(miaOnFirst, "uma")).toEqual(["offline", "online", "offline"]);
      expect(statusesOf(miaOnThird, "uma")).toEqual(["offline", "online", "offline"]);
    }, 60_000);

    test("killed node's users go offline after the ttl", async () => {
      const [first, second] = nodes as [ServerProcess, ServerProcess];
      const conversationId = withNats ? "crash-nats" : "crash-notify";
      const api = createTestApi(first.url, await signTestToken("kim"));
      await api.createConversation(conversationId, ["kim", "vic"]);
      const kim = await connect(first, "kim");
      await connect(second, "vic");
      await vi.waitFor(async () => {
        expect((await presenceOn(first, "kim", "vic"))?.status).toBe("online");
      }, waitOptions);

      await second.stop("SIGKILL");
      const killedAtMs = Date.now();
      await vi.waitFor(async () => {
        expect((await presenceOn(first, "kim", "vic"))?.status).toBe("offline");
      }, waitOptions);
      const offlineAfterMs = Date.now() - killedAtMs;

      // The hold lapses one TTL after the last beat, found by a sweep every TTL / 4.
      expect(offlineAfterMs).toBeLessThan(ttlMs + graceMs + 2000);
      await vi.waitFor(() => expect(statusesOf(kim, "vic").at(-1)).toBe("offline"), waitOptions);
      expect((await presenceOn(first, "kim", "vic"))?.lastSeenAt).not.toBeNull();
    }, 60_000);
  },
);
