import { closeCodes } from "@syncline/protocol";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { makeMessage } from "../testing/builders.ts";
import {
  isStoreUnavailable,
  startTestServer,
  storeKinds,
  type TestServer,
} from "../testing/harness.ts";
import { parsePrometheusText, sampleValue } from "../testing/prometheus-text.ts";
import { openReadySocket, openSocket, type TestSocket } from "../testing/socket-client.ts";
import { snapshotTables } from "../testing/table-snapshot.ts";

/** Generous bounds: the machine may be busy, and these wait on real timers. */
const slow = { timeout: 15_000, interval: 50 };

describe.each(storeKinds)("chat frames on %s", (kind) => {
  describe.skipIf(isStoreUnavailable(kind))("", () => {
    let t: TestServer;
    const sockets: TestSocket[] = [];
    let counter = 0;

    beforeAll(async () => {
      t = await startTestServer(kind, {
        config: {
          typingTtlMs: 2500,
          presenceTtlMs: 1000,
          presenceGraceMs: 300,
          presenceMaxGroup: 3,
        },
      });
    });
    afterEach(() => {
      for (const socket of sockets.splice(0)) socket.close();
    });
    afterAll(async () => {
      await t.close();
    });

    async function connect(userId: string): Promise<TestSocket> {
      const socket = await openReadySocket(t.url, await t.tokens.issue(userId));
      sockets.push(socket);
      // The presence snapshot arrives before the pong of the first ping.
      await flush(socket);
      return socket;
    }

    async function createConversation(members: string[]): Promise<string> {
      const id = `c${++counter}`;
      const [owner = "alice", ...others] = members;
      await t.call("POST", "/v1/conversations", { userId: owner, body: { id, members: others } });
      return id;
    }

    /** Waits until a ping round trip completed, so every earlier frame has arrived. */
    async function flush(socket: TestSocket): Promise<void> {
      const pongs = socket.frames.filter((frame) => frame.type === "pong").length;
      socket.send({ type: "ping" });
      await vi.waitFor(() => {
        const now = socket.frames.filter((frame) => frame.type === "pong").length;
        if (now <= pongs) throw new Error("No pong yet.");
      }, slow);
    }

    /** Reads the count and sum of the SDK-reported delivery histogram for one `via` label. */
    async function deviceHistogram(via: string): Promise<{ count: number; sum: number }> {
      const samples = parsePrometheusText(await (await fetch(`${t.url}/metrics`)).text());
      const name = "syncline_device_delivery_duration_seconds";
      return {
        count: sampleValue(samples, `${name}_count`, { via }) ?? 0,
        sum: sampleValue(samples, `${name}_sum`, { via }) ?? 0,
      };
    }

    /** The statuses of `userId` that `socket` got, from frame index `from` on. */
    const presenceOf = (socket: TestSocket, userId: string, from = 0) =>
      socket.frames
        .slice(from)
        .flatMap((f) => (f.type === "presence" && f.userId === userId ? [f.status] : []));

    test("ready lists protocol versions", async () => {
      const socket = await connect("alice");

      expect(socket.frames[0]).toMatchObject({ type: "ready", protocolVersions: [1] });
    });

    test("unsupported version closes 4426", async () => {
      const socket = await openSocket(t.url);
      let reason = "";
      socket.socket.on("close", (_code, data) => {
        reason = String(data);
      });

      socket.send({ type: "auth", token: await t.tokens.issue("alice"), protocolVersion: 2 });

      expect(await socket.waitForClose()).toBe(closeCodes.unsupportedVersion);
      expect(reason).toContain("version 2");
      expect(reason).toContain("speaks 1");
    });

    test("delivered frame moves the watermark", async () => {
      const id = await createConversation(["alice", "bob"]);
      await t.call("POST", "/v1/push", { userId: "alice", body: { ops: [makeMessage(id, "a")] } });
      const alice = await connect("alice");
      const bob = await connect("bob");

      bob.send({ type: "delivered", conversationId: id, seq: 5 });

      const frame = await alice.waitFor("delivered", (f) => f.userId === "bob");
      expect(frame).toEqual({ type: "delivered", conversationId: id, userId: "bob", seq: 1 });
      await flush(bob);
      expect(bob.frames.filter((f) => f.type === "delivered" || f.type === "error")).toEqual([]);
    });

    test("delivered sample feeds device histogram", async () => {
      const id = await createConversation(["alice", "bob"]);
      await t.call("POST", "/v1/push", { userId: "alice", body: { ops: [makeMessage(id, "a")] } });
      await t.call("POST", "/v1/push", { userId: "alice", body: { ops: [makeMessage(id, "b")] } });
      const bob = await connect("bob");
      const before = await deviceHistogram("notify");
      const createdAt = new Date(Date.now() - 300).toISOString();

      bob.send({
        type: "delivered",
        conversationId: id,
        seq: 1,
        sample: { createdAt, heldMs: 100, via: "notify" },
      });
      bob.send({ type: "delivered", conversationId: id, seq: 2 });
      await flush(bob);
      const after = await deviceHistogram("notify");
      const pulled = await deviceHistogram("pull");

      expect(bob.frames.filter((f) => f.type === "error")).toEqual([]);
      expect(after.count - before.count).toBe(1);
      expect(after.sum - before.sum).toBeGreaterThanOrEqual(0.2);
      expect(after.sum - before.sum).toBeLessThan(5);
      expect(pulled.count).toBe(0);
      const [row] = await t.store.query<{ delivered_seq: number }>(
        "SELECT delivered_seq FROM members WHERE conversation_id = $1 AND user_id = $2",
        [id, "bob"],
      );
      expect(Number(row?.delivered_seq)).toBe(2);
    });

    test("delivered sample out of range", async () => {
      const id = await createConversation(["alice", "bob"]);
      const bob = await connect("bob");
      const before = await deviceHistogram("notify");

      bob.send({
        type: "delivered",
        conversationId: id,
        seq: 0,
        sample: { createdAt: new Date().toISOString(), heldMs: -1, via: "notify" },
      });
      const error = await bob.waitFor("error");
      const after = await deviceHistogram("notify");

      expect(error).toMatchObject({ type: "error", code: "invalid_request" });
      expect(after.count).toBe(before.count);
    });

    test("typing uses the configured ttl", async () => {
      const id = await createConversation(["alice", "bob"]);
      const alice = await connect("alice");
      const bob = await connect("bob");

      alice.send({ type: "typing", conversationId: id });

      const typing = await bob.waitFor("typing");
      expect(typing).toEqual({
        type: "typing",
        conversationId: id,
        userId: "alice",
        expiresInMs: 2500,
      });
      await flush(alice);
      expect(alice.frames.filter((f) => f.type === "typing")).toEqual([]);
    });

    test("typing over the limit gets one error", async () => {
      const id = await createConversation(["alice", "bob"]);
      const alice = await connect("alice");
      const bob = await connect("bob");

      for (let i = 0; i < 5; i++) alice.send({ type: "typing", conversationId: id });
      await flush(alice);
      await flush(bob);

      const errors = alice.frames.filter((f) => f.type === "error");
      expect(bob.frames.filter((f) => f.type === "typing").length).toBeGreaterThanOrEqual(1);
      expect(errors.length).toBeGreaterThanOrEqual(1);
      // Five frames sent at once span far less than two seconds, so at most two errors.
      expect(errors.length).toBeLessThanOrEqual(2);
      expect(errors.every((f) => f.type === "error" && f.code === "rate_limited")).toBe(true);
    });

    test("typing is not replayed on reconnect", async () => {
      const id = await createConversation(["alice", "bob"]);
      const alice = await connect("alice");
      const first = await connect("bob");
      alice.send({ type: "typing", conversationId: id });
      await first.waitFor("typing");

      first.close();
      const again = await connect("bob");
      await flush(again);

      expect(again.frames.filter((f) => f.type === "typing")).toEqual([]);
    });

    test("presence goes online to contacts", async () => {
      await createConversation(["alice", "bob"]);
      const alice = await connect("alice");

      const bob = await connect("bob");

      await vi.waitFor(() => expect(presenceOf(alice, "bob")).toContain("online"), slow);
      await vi.waitFor(() => expect(presenceOf(bob, "alice")).toEqual(["online"]), slow);
    });

    test("presence expires on a silent open socket", async () => {
      await createConversation(["gina", "hank"]);
      const gina = await connect("gina");
      const keepAlive = setInterval(() => gina.send({ type: "ping" }), 200);
      try {
        const start = gina.frames.length;
        const hank = await connect("hank");
        await vi.waitFor(() => expect(presenceOf(gina, "hank", start)[0]).toBe("online"), slow);

        await vi.waitFor(
          () => expect(presenceOf(gina, "hank", start)).toEqual(["online", "offline"]),
          slow,
        );
        expect(hank.closeCode).toBeUndefined();

        await connect("hank");
        await vi.waitFor(
          () => expect(presenceOf(gina, "hank", start)).toEqual(["online", "offline", "online"]),
          slow,
        );
      } finally {
        clearInterval(keepAlive);
      }
    });

    test("large groups get no presence frames", async () => {
      const id = await createConversation(["ivan", "judy", "kim", "leo"]);
      const ivan = await connect("ivan");

      await connect("judy");
      await vi.waitFor(async () => {
        const response = await t.call("GET", "/v1/presence?userIds=judy,nobody", {
          userId: "ivan",
        });
        expect((await response.json()).presence).toEqual([
          { userId: "judy", status: "online", lastSeenAt: expect.any(String) },
        ]);
      }, slow);
      await flush(ivan);

      expect(presenceOf(ivan, "judy")).toEqual([]);
      expect(id).toBeDefined();
    });

    test("presence query rejects over 100 ids", async () => {
      const userIds = Array.from({ length: 101 }, (_, i) => `u${i}`).join(",");

      const response = await t.call("GET", `/v1/presence?userIds=${userIds}`, { userId: "alice" });
      const missing = await t.call("GET", "/v1/presence", { userId: "alice" });

      expect(response.status).toBe(400);
      expect(missing.status).toBe(400);
    });

    test("typing and presence write nothing", async () => {
      const id = await createConversation(["mia", "ned"]);
      const before = await snapshotTables(t.store);

      const mia = await connect("mia");
      const start = mia.frames.length;
      const ned = await connect("ned");
      mia.send({ type: "typing", conversationId: id });
      await ned.waitFor("typing");
      await vi.waitFor(() => expect(presenceOf(mia, "ned", start)[0]).toBe("online"), slow);
      ned.close();
      await vi.waitFor(() => expect(presenceOf(mia, "ned", start).at(-1)).toBe("offline"), slow);

      expect(await snapshotTables(t.store)).toEqual(before);
    });
  });
});
