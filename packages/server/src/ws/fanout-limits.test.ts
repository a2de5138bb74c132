import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTokenAuthority } from "../auth/tokens.ts";
import { type RunningServer, startServer } from "../server.ts";
import { makeMessage } from "../testing/builders.ts";
import {
  isStoreUnavailable,
  makeStoreConfig,
  silentLogger,
  storeKinds,
  testSecret,
} from "../testing/harness.ts";
import { openReadySocket, type TestSocket } from "../testing/socket-client.ts";

const inlineMaxMembers = 3;

describe.each(storeKinds)("fanout limits on %s", (kind) => {
  describe.skipIf(isStoreUnavailable(kind))("", () => {
    const tokens = createTokenAuthority(testSecret);
    let server: RunningServer;
    let drop: () => Promise<void>;
    const sockets: TestSocket[] = [];

    beforeAll(async () => {
      const store = await makeStoreConfig(kind);
      drop = store.drop;
      const { config } = store;
      const serverConfig = {
        ...config,
        scaling: {
          ...config.scaling,
          notifyInlineMaxMembers: inlineMaxMembers,
          socketSoftBufferBytes: 64 * 1024,
          socketHardBufferBytes: 512 * 1024 * 1024,
        },
        security: {
          ...config.security,
          pushOps: { perSecond: 1_000_000, burst: 1_000_000 },
        },
      };
      server = await startServer({ config: serverConfig, logger: silentLogger });
    });
    afterAll(async () => {
      for (const socket of sockets) socket.close();
      await server.close();
      await drop();
    });

    async function call(path: string, userId: string, body: unknown): Promise<Response> {
      const response = await fetch(`${server.url}${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${await tokens.issue(userId)}`,
        },
        body: JSON.stringify(body),
      });
      expect(response.status).toBeLessThan(300);
      return response;
    }

    async function connect(userId: string): Promise<TestSocket> {
      const socket = await openReadySocket(server.url, await tokens.issue(userId));
      sockets.push(socket);
      return socket;
    }

    test("group at the limit gets inline events", async () => {
      await call("/v1/conversations", "alice", { id: "small", members: ["bob", "carol"] });
      const bob = await connect("bob");

      await call("/v1/push", "alice", { ops: [makeMessage("small", "hi")] });

      const notify = await bob.waitFor("notify", (frame) => frame.conversationId === "small");
      expect(notify.latestSeq).toBe(1);
      expect(notify.events).toMatchObject([{ seq: 1, body: { text: "hi" } }]);
    });

    test("group above the limit gets bare notifies", async () => {
      const members = ["bob", "carol", "dave"];
      await call("/v1/conversations", "alice", { id: "large", members });
      const bob = await connect("bob");

      await call("/v1/push", "alice", { ops: [makeMessage("large", "hi")] });

      const notify = await bob.waitFor("notify", (frame) => frame.conversationId === "large");
      expect(notify).toEqual({ type: "notify", conversationId: "large", latestSeq: 1 });
    });

    test("stalled reader gets bare notifies", async () => {
      await call("/v1/conversations", "alice", { id: "stall", members: ["erin"] });
      const erin = await connect("erin");
      const tcp = (erin.socket as unknown as { _socket: Socket })._socket;
      tcp.pause();
      // About 1 MB per push: 80 events of 4,000 three-byte characters.
      const text = "語".repeat(4000);
      const pushCount = 40;

      for (let push = 0; push < pushCount; push += 1) {
        const ops = Array.from({ length: 80 }, () => makeMessage("stall", text));
        await call("/v1/push", "alice", { ops });
      }
      tcp.resume();

      const latestSeq = pushCount * 80;
      const last = await erin.waitFor(
        "notify",
        (frame) => frame.conversationId === "stall" && frame.latestSeq === latestSeq,
      );
      expect(last.events).toBeUndefined();
      const notifies = erin.frames.filter((frame) => frame.type === "notify");
      expect(notifies[0]?.events).toHaveLength(80);
      expect(erin.closeCode).toBeUndefined();
    }, 120_000);
  });
});
