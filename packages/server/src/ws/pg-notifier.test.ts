import type { Event, PushResponse, ServerFrame } from "@syncline/protocol";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { ensureNats, type TestNats } from "../../../../test/support/nats.ts";
import {
  createTemporaryDatabase,
  type TemporaryDatabase,
} from "../../../../test/support/postgres.ts";
import { createTokenAuthority } from "../auth/tokens.ts";
import { loadConfig } from "../config.ts";
import { type RunningServer, startServer } from "../server.ts";
import { makeMessage } from "../testing/builders.ts";
import { isStoreUnavailable, silentLogger, testSecret } from "../testing/harness.ts";
import { openReadySocket, type TestSocket } from "../testing/socket-client.ts";
import { listenApplicationName } from "./listen-connection.ts";

const tokens = createTokenAuthority(testSecret);

/** Generous for a loaded two-core machine; delivery normally takes milliseconds. */
const deliveryTimeoutMs = 5000;

/** Polls until a frame of `type` matching `predicate` arrived on the socket. */
async function waitForFrame<T extends ServerFrame["type"]>(
  socket: TestSocket,
  type: T,
  predicate: (frame: Extract<ServerFrame, { type: T }>) => boolean,
): Promise<void> {
  await vi.waitFor(
    () => {
      const found = socket.frames.some((frame) => frame.type === type && predicate(frame as never));
      if (!found) throw new Error(`No matching ${type} frame yet.`);
    },
    { timeout: deliveryTimeoutMs },
  );
}

function eventsOf(socket: TestSocket, conversationId: string): Event[] {
  return socket.frames.flatMap((frame) =>
    frame.type === "notify" && frame.conversationId === conversationId ? (frame.events ?? []) : [],
  );
}

const fanouts = [
  { name: "NOTIFY", nats: false },
  { name: "NATS", nats: true },
];

describe.skipIf(isStoreUnavailable("postgres")).each(fanouts)(
  "fanout across three nodes with $name",
  ({ nats: withNats }) => {
    let database: TemporaryDatabase;
    let nats: TestNats | undefined;
    const nodes: RunningServer[] = [];
    const sockets: TestSocket[] = [];
    let counter = 0;

    beforeAll(async () => {
      database = await createTemporaryDatabase("syncline_fanout");
      nats = withNats ? await ensureNats() : undefined;
      const env = { AUTH_SECRET: testSecret, LOG_LEVEL: "silent", LISTEN_HEARTBEAT_MS: "200" };
      const config = {
        ...loadConfig(env),
        port: 0,
        databaseUrl: database.url,
        natsUrl: nats?.url,
      };
      for (let index = 0; index < 3; index++) {
        nodes.push(await startServer({ config, logger: silentLogger }));
      }
    });
    afterAll(async () => {
      for (const socket of sockets) socket.close();
      for (const node of nodes) await node.close();
      await database?.drop();
      await nats?.stop();
    });

    async function connect(nodeIndex: number, userId: string): Promise<TestSocket> {
      const url = nodes[nodeIndex]?.url as string;
      const socket = await openReadySocket(url, await tokens.issue(userId));
      sockets.push(socket);
      return socket;
    }

    async function call(nodeIndex: number, userId: string, path: string, body: unknown) {
      const response = await fetch(`${nodes[nodeIndex]?.url}${path}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${await tokens.issue(userId)}`,
          "content-type": "application/json",
        },
        body: JSON.stringify(body),
      });
      expect(response.status).toBeLessThan(300);
      return response.json();
    }

    async function newConversation(members: string[]): Promise<string> {
      const id = `fan${++counter}`;
      await call(0, members[0] as string, "/v1/conversations", { id, members });
      return id;
    }

    test("messages reach sockets on other nodes", async () => {
      const id = await newConversation(["ann", "ben", "cal"]);
      const [ann, ben, cal] = [
        await connect(0, "ann"),
        await connect(1, "ben"),
        await connect(2, "cal"),
      ];

      await call(0, "ann", "/v1/push", { ops: [makeMessage(id, "hi from node 0")] });
      await call(2, "cal", "/v1/push", { ops: [makeMessage(id, "hi from node 2")] });

      for (const socket of [ann, ben, cal]) {
        await vi.waitFor(
          () =>
            expect(new Set(eventsOf(socket, id).map((event) => event.seq))).toEqual(
              new Set([1, 2]),
            ),
          { timeout: deliveryTimeoutMs },
        );
      }
    });

    test("new conversation reaches members elsewhere", async () => {
      const kim = await connect(2, "kim");

      const id = await newConversation(["lee", "kim"]);
      await call(0, "lee", "/v1/push", { ops: [makeMessage(id, "welcome")] });

      await waitForFrame(
        kim,
        "notify",
        (frame) => frame.conversationId === id && frame.latestSeq === 0,
      );
      await vi.waitFor(
        () => {
          const latest = kim.frames.flatMap((frame) =>
            frame.type === "notify" && frame.conversationId === id ? [frame.latestSeq] : [],
          );
          expect(latest).toContain(1);
        },
        { timeout: deliveryTimeoutMs },
      );
    });

    test("concurrent pushes on every node reach every socket", async () => {
      const users = ["dee", "eli", "fay"];
      const id = await newConversation(users);
      const listeners = await Promise.all(users.map((user, index) => connect(index, user)));

      const pushes = Array.from({ length: 30 }, (_, i) =>
        call(i % 3, users[i % 3] as string, "/v1/push", { ops: [makeMessage(id, `m${i}`)] }),
      );
      const responses = (await Promise.all(pushes)) as PushResponse[];

      const acked = responses.map(({ results }) =>
        results[0]?.status === "ok" ? results[0].seq : 0,
      );
      expect(acked.toSorted((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      for (const socket of listeners) {
        await vi.waitFor(
          () => {
            const latest = socket.frames.flatMap((frame) =>
              frame.type === "notify" && frame.conversationId === id ? [frame.latestSeq] : [],
            );
            expect(Math.max(...latest)).toBe(30);
          },
          { timeout: deliveryTimeoutMs },
        );
      }
    });

    test("typing and receipts cross nodes", async () => {
      const id = await newConversation(["gus", "hal"]);
      const hal = await connect(2, "hal");
      const gus = await connect(0, "gus");
      await call(2, "hal", "/v1/push", { ops: [makeMessage(id, "read me")] });

      gus.send({ type: "typing", conversationId: id });
      await call(0, "gus", `/v1/conversations/${id}/read`, { seq: 1 });

      await waitForFrame(
        hal,
        "typing",
        (frame) => frame.conversationId === id && frame.userId === "gus",
      );
      await waitForFrame(hal, "read", (frame) => frame.conversationId === id && frame.seq === 1);
    });

    test.skipIf(withNats)("dropped LISTEN connections heal and sockets pull", async () => {
      const id = await newConversation(["ida", "jon"]);
      const jon = await connect(1, "jon");
      await call(0, "ida", "/v1/push", { ops: [makeMessage(id, "before")] });
      await vi.waitFor(() => expect(eventsOf(jon, id)).toHaveLength(1), {
        timeout: deliveryTimeoutMs,
      });
      const framesBefore = jon.frames.length;

      const admin = postgres(database.url, { max: 1, onnotice: () => {} });
      const killed = await admin`
      SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = ${listenApplicationName}`;
      await admin.end();

      expect(killed.length).toBeGreaterThanOrEqual(3);
      await vi.waitFor(
        () => {
          const bare = jon.frames
            .slice(framesBefore)
            .find(
              (frame) => frame.type === "notify" && frame.conversationId === id && !frame.events,
            );
          expect(bare).toMatchObject({ latestSeq: 1 });
        },
        { timeout: deliveryTimeoutMs },
      );
      await call(0, "ida", "/v1/push", { ops: [makeMessage(id, "after")] });
      await vi.waitFor(() => expect(eventsOf(jon, id).map((event) => event.seq)).toContain(2), {
        timeout: deliveryTimeoutMs,
      });
    });
  },
);
