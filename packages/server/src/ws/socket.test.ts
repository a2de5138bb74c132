import { closeCodes, limits } from "@syncline/protocol";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { makeMessage } from "../testing/builders.ts";
import {
  isStoreUnavailable,
  startTestServer,
  storeKinds,
  type TestServer,
} from "../testing/harness.ts";
import { openReadySocket, openSocket, type TestSocket } from "../testing/socket-client.ts";

describe.each(storeKinds)("websocket on %s", (kind) => {
  describe.skipIf(isStoreUnavailable(kind))("", () => {
    let t: TestServer;
    const sockets: TestSocket[] = [];
    let counter = 0;

    beforeAll(async () => {
      t = await startTestServer(kind, { authTimeoutMs: 300 });
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
      return socket;
    }

    async function createConversation(members: string[]): Promise<string> {
      const id = `w${++counter}`;
      await t.call("POST", "/v1/conversations", { userId: "alice", body: { id, members } });
      return id;
    }

    test("auth frame gets ready", async () => {
      const socket = await openSocket(t.url);
      sockets.push(socket);

      socket.send({ type: "auth", token: await t.tokens.issue("alice") });

      const ready = await socket.waitFor("ready");
      expect(ready.userId).toBe("alice");
      expect(ready.connectionId).toEqual(expect.any(String));
    });

    test("bad token closes 4401", async () => {
      const socket = await openSocket(t.url);

      socket.send({ type: "auth", token: "not-a-jwt" });

      expect(await socket.waitForClose()).toBe(closeCodes.unauthorized);
    });

    test("first frame other than auth closes 4401", async () => {
      const socket = await openSocket(t.url);

      socket.send({ type: "ping" });

      expect(await socket.waitForClose()).toBe(closeCodes.unauthorized);
      expect(socket.frames).toEqual([]);
    });

    test("no auth frame closes 4408", async () => {
      const socket = await openSocket(t.url);

      expect(await socket.waitForClose()).toBe(closeCodes.authTimeout);
    });

    test("ping gets pong", async () => {
      const socket = await connect("alice");

      socket.send({ type: "ping" });

      await socket.waitFor("pong");
    });

    test("push notifies every member socket inline", async () => {
      const id = await createConversation(["bob"]);
      const members = await Promise.all(["alice", "bob", "bob"].map((user) => connect(user)));
      const mallory = await connect("mallory");

      await t.call("POST", "/v1/push", { userId: "alice", body: { ops: [makeMessage(id, "hi")] } });

      for (const socket of members) {
        const notify = await socket.waitFor("notify", (frame) => frame.conversationId === id);
        expect(notify.latestSeq).toBe(1);
        expect(notify.events).toMatchObject([{ seq: 1, senderId: "alice", body: { text: "hi" } }]);
      }
      expect(mallory.frames.filter((frame) => frame.type === "notify")).toEqual([]);
    });

    test("create notifies members with seq 0", async () => {
      const bob = await connect("bob");

      const id = await createConversation(["bob"]);

      const notify = await bob.waitFor("notify", (frame) => frame.conversationId === id);
      expect(notify).toEqual({ type: "notify", conversationId: id, latestSeq: 0 });
    });

    test("typing goes to others only, rate-limited", async () => {
      const id = await createConversation(["bob"]);
      const alice = await connect("alice");
      const bob = await connect("bob");

      alice.send({ type: "typing", conversationId: id });
      alice.send({ type: "typing", conversationId: id });
      alice.send({ type: "ping" });
      await alice.waitFor("pong");

      const typing = await bob.waitFor("typing");
      expect(typing).toEqual({
        type: "typing",
        conversationId: id,
        userId: "alice",
        expiresInMs: 5000,
      });
      bob.send({ type: "ping" });
      await bob.waitFor("pong");
      expect(bob.frames.filter((frame) => frame.type === "typing")).toHaveLength(1);
      expect(alice.frames.filter((frame) => frame.type === "typing")).toEqual([]);
    });

    test("typing by a non-member is an error frame", async () => {
      const id = await createConversation(["bob"]);
      const mallory = await connect("mallory");
      const bob = await connect("bob");

      mallory.send({ type: "typing", conversationId: id });

      const error = await mallory.waitFor("error");
      expect(error.code).toBe("forbidden");
      bob.send({ type: "ping" });
      await bob.waitFor("pong");
      expect(bob.frames.filter((frame) => frame.type === "typing")).toEqual([]);
    });

    test("invalid frames get an error and change nothing", async () => {
      const socket = await connect("alice");

      socket.send("{not json");
      socket.send({ type: "dance" });
      socket.send({ type: "typing", conversationId: "bad id" });

      await vi.waitFor(() =>
        expect(socket.frames.filter((f) => f.type === "error")).toHaveLength(3),
      );
      socket.send({ type: "ping" });
      await socket.waitFor("pong");
      expect(socket.closeCode).toBeUndefined();
    });

    test("oversized frame closes 4413", async () => {
      const socket = await connect("alice");

      socket.send({ type: "ping", padding: "x".repeat(limits.maxFrameBytes) });

      expect(await socket.waitForClose()).toBe(closeCodes.frameTooLarge);
    });

    test("removed member stops getting frames", async () => {
      const id = await createConversation(["bob"]);
      const bob = await connect("bob");
      const alice = await connect("alice");

      await t.call("DELETE", `/v1/conversations/${id}/members/bob`, { userId: "alice" });
      await bob.waitFor("notify", (frame) => frame.latestSeq === 1);
      await t.call("POST", "/v1/push", {
        userId: "alice",
        body: { ops: [makeMessage(id, "after")] },
      });
      await t.call("POST", `/v1/conversations/${id}/read`, { userId: "alice", body: { seq: 2 } });
      alice.send({ type: "typing", conversationId: id });
      await alice.waitFor("notify", (frame) => frame.latestSeq === 2);
      bob.send({ type: "ping" });
      await bob.waitFor("pong");

      const forConversation = bob.frames.filter(
        (f) => "conversationId" in f && f.conversationId === id,
      );
      expect(forConversation.map((frame) => frame.type)).toEqual(["notify"]);
    });

    test("read frame goes to other members", async () => {
      const id = await createConversation(["bob"]);
      await t.call("POST", "/v1/push", { userId: "alice", body: { ops: [makeMessage(id, "a")] } });
      const alice = await connect("alice");

      await t.call("POST", `/v1/conversations/${id}/read`, { userId: "bob", body: { seq: 1 } });

      const read = await alice.waitFor("read");
      expect(read).toEqual({ type: "read", conversationId: id, userId: "bob", seq: 1 });
    });

    test("socket closes 4401 when its token expires", async () => {
      const socket = await openReadySocket(t.url, await t.tokens.issue("alice", 1500));

      const code = await vi.waitFor(() => socket.waitForClose(), { timeout: 5000, interval: 100 });

      expect(code).toBe(closeCodes.unauthorized);
    });

    test("other paths reject the upgrade", async () => {
      await expect(openSocket(t.url.replace(/$/, "/nope"))).rejects.toThrow();
    });
  });
});

describe("websocket shutdown", () => {
  test("close sends 1012 to every socket", async () => {
    const t = await startTestServer("pglite");
    const socket = await openReadySocket(t.url, await t.tokens.issue("alice"));

    await t.close();

    expect(await socket.waitForClose()).toBe(closeCodes.serviceRestart);
  });
});
