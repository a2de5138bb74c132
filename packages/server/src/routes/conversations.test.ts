import type { Conversation, ConversationListResponse } from "@syncline/protocol";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { makeMessage } from "../testing/builders.ts";
import { recordFrames } from "../testing/frame-recorder.ts";
import { createTestApp, isStoreUnavailable, storeKinds, type TestApp } from "../testing/harness.ts";

describe.each(storeKinds)("conversations on %s", (kind) => {
  describe.skipIf(isStoreUnavailable(kind))("", () => {
    let t: TestApp;
    let conversationId: string;
    let counter = 0;

    beforeAll(async () => {
      t = await createTestApp(kind);
    });
    afterAll(async () => {
      await t.close();
    });
    beforeEach(() => {
      conversationId = `k${++counter}`;
    });

    async function create(userId: string, body: unknown): Promise<Response> {
      return t.call("POST", "/v1/conversations", { userId, body });
    }

    async function list(userId: string): Promise<Conversation[]> {
      const response = await t.call("GET", "/v1/conversations", { userId });
      return ((await response.json()) as ConversationListResponse).conversations;
    }

    async function push(userId: string, texts: string[]): Promise<void> {
      const ops = texts.map((text) => makeMessage(conversationId, text));
      await t.call("POST", "/v1/push", { userId, body: { ops } });
    }

    async function read(userId: string, seq: number): Promise<Response> {
      return t.call("POST", `/v1/conversations/${conversationId}/read`, { userId, body: { seq } });
    }

    test("create returns 201 with caller", async () => {
      const response = await create("alice", {
        id: conversationId,
        title: "Team",
        members: ["bob", "bob", "alice"],
      });
      const { conversation } = await response.json();

      expect(response.status).toBe(201);
      expect(conversation).toMatchObject({
        id: conversationId,
        title: "Team",
        latestSeq: 0,
        members: ["alice", "bob"],
      });
      expect(conversation.epoch).toEqual(expect.any(String));
      expect(Number.isNaN(Date.parse(conversation.createdAt))).toBe(false);
    });

    test("create without id makes a UUID", async () => {
      const { conversation } = await (await create("alice", {})).json();

      expect(conversation.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(conversation.title).toBeNull();
      expect(conversation.members).toEqual(["alice"]);
    });

    test("existing id is 409 conflict", async () => {
      await create("alice", { id: conversationId });

      const again = await create("bob", { id: conversationId });

      expect(again.status).toBe(409);
      expect((await again.json()).error).toMatchObject({ code: "conflict", field: "id" });
    });

    test("create notifies every member with seq 0", async () => {
      const bob = recordFrames(t.hub, "bob");

      await create("alice", { id: conversationId, members: ["bob"] });

      expect(bob.ofType("notify")).toEqual([{ type: "notify", conversationId, latestSeq: 0 }]);
      bob.detach();
    });

    test("list shows own conversations with unread", async () => {
      await create("alice", { id: conversationId, members: ["bob"] });
      await push("alice", ["a", "b"]);
      await push("bob", ["c"]);

      const alice = (await list("alice")).find((c) => c.id === conversationId);
      const bob = (await list("bob")).find((c) => c.id === conversationId);
      const carol = (await list("carol")).find((c) => c.id === conversationId);

      expect(alice).toMatchObject({
        latestSeq: 3,
        readSeq: 2,
        unreadCount: 1,
        members: ["alice", "bob"],
      });
      expect(bob).toMatchObject({ latestSeq: 3, readSeq: 3, unreadCount: 0 });
      expect(carol).toBeUndefined();
    });

    test("read position never moves back", async () => {
      await create("alice", { id: conversationId, members: ["bob"] });
      await push(
        "alice",
        Array.from({ length: 10 }, (_, i) => `m${i}`),
      );
      const alice = recordFrames(t.hub, "alice");

      const ten = await (await read("bob", 10)).json();
      const stale = await (await read("bob", 7)).json();
      await push("bob", ["reply"]);
      const afterSend = (await list("bob")).find((c) => c.id === conversationId);

      expect(ten).toEqual({ readSeq: 10 });
      expect(stale).toEqual({ readSeq: 10 });
      expect(afterSend).toMatchObject({ readSeq: 11, unreadCount: 0 });
      expect(alice.ofType("read")).toEqual([
        { type: "read", conversationId, userId: "bob", seq: 10 },
        { type: "read", conversationId, userId: "bob", seq: 11 },
      ]);
      alice.detach();
    });

    test("read is capped at the latest seq", async () => {
      await create("alice", { id: conversationId, members: ["bob"] });
      await push("alice", ["a"]);

      const response = await read("bob", 500);

      expect(await response.json()).toEqual({ readSeq: 1 });
    });

    test("reader's own sockets get the read frame", async () => {
      await create("alice", { id: conversationId, members: ["bob"] });
      await push("alice", ["a"]);
      const bob = recordFrames(t.hub, "bob");

      await read("bob", 1);
      await read("bob", 1);

      expect(bob.ofType("read")).toEqual([{ type: "read", conversationId, userId: "bob", seq: 1 }]);
      bob.detach();
    });

    test("add member appends an event and notifies", async () => {
      await create("alice", { id: conversationId });
      await push("alice", ["before"]);
      const carol = recordFrames(t.hub, "carol");

      const response = await t.call("POST", `/v1/conversations/${conversationId}/members`, {
        userId: "alice",
        body: { userId: "carol" },
      });

      expect(await response.json()).toEqual({ seq: 2 });
      const [notify] = carol.ofType("notify");
      expect(notify).toMatchObject({ conversationId, latestSeq: 2 });
      expect(notify?.events?.[0]).toMatchObject({
        type: "member.added",
        senderId: "alice",
        body: { userId: "carol" },
      });
      expect((await list("carol")).map((c) => c.id)).toContain(conversationId);
      carol.detach();
    });

    test("adding a member twice is 409", async () => {
      await create("alice", { id: conversationId, members: ["bob"] });

      const response = await t.call("POST", `/v1/conversations/${conversationId}/members`, {
        userId: "alice",
        body: { userId: "bob" },
      });

      expect(response.status).toBe(409);
    });

    test("removed member loses access and frames", async () => {
      await create("alice", { id: conversationId, members: ["bob"] });
      const bob = recordFrames(t.hub, "bob");

      const removed = await t.call("DELETE", `/v1/conversations/${conversationId}/members/bob`, {
        userId: "alice",
      });
      await push("alice", ["after removal"]);
      const pull = await t.call("GET", `/v1/conversations/${conversationId}/events`, {
        userId: "bob",
      });

      expect(await removed.json()).toEqual({ seq: 1 });
      expect(bob.ofType("notify").map((frame) => frame.latestSeq)).toEqual([1]);
      expect(bob.ofType("notify")[0]?.events?.[0]).toMatchObject({
        type: "member.removed",
        body: { userId: "bob" },
      });
      expect(pull.status).toBe(403);
      expect((await list("bob")).map((c) => c.id)).not.toContain(conversationId);
      bob.detach();
    });

    test("re-added member keeps its read position", async () => {
      await create("alice", { id: conversationId, members: ["bob"] });
      await push("alice", ["a", "b"]);
      await read("bob", 2);
      await t.call("DELETE", `/v1/conversations/${conversationId}/members/bob`, {
        userId: "alice",
      });

      await t.call("POST", `/v1/conversations/${conversationId}/members`, {
        userId: "alice",
        body: { userId: "bob" },
      });

      expect((await list("bob")).find((c) => c.id === conversationId)).toMatchObject({
        readSeq: 2,
      });
    });

    test("removing a non-member is 404", async () => {
      await create("alice", { id: conversationId });

      const response = await t.call("DELETE", `/v1/conversations/${conversationId}/members/zed`, {
        userId: "alice",
      });

      expect(response.status).toBe(404);
    });

    test("non-members get 403 on every route", async () => {
      await create("alice", { id: conversationId, members: ["bob"] });
      const base = `/v1/conversations/${conversationId}`;
      const calls: [string, string, unknown][] = [
        ["GET", `${base}/events`, undefined],
        ["POST", `${base}/read`, { seq: 0 }],
        ["POST", `${base}/members`, { userId: "mallory" }],
        ["DELETE", `${base}/members/bob`, undefined],
      ];

      for (const [method, path, body] of calls) {
        const response = await t.call(method, path, { userId: "mallory", body });

        expect(response.status, `${method} ${path}`).toBe(403);
        expect((await response.json()).error.code).toBe("forbidden");
      }
      const pushed = await t.call("POST", "/v1/push", {
        userId: "mallory",
        body: { ops: [makeMessage(conversationId, "x")] },
      });
      expect((await pushed.json()).results[0].code).toBe("forbidden");
      const batch = await t.call("POST", "/v1/pull", {
        userId: "mallory",
        body: { cursors: { [conversationId]: 0 } },
      });
      expect((await batch.json()).conversations[conversationId].error.code).toBe("forbidden");
    });

    test("unknown conversation is 404 on every route", async () => {
      const base = "/v1/conversations/missing";
      for (const [method, path, body] of [
        ["GET", `${base}/events`, undefined],
        ["POST", `${base}/read`, { seq: 0 }],
        ["POST", `${base}/members`, { userId: "x" }],
        ["DELETE", `${base}/members/x`, undefined],
      ] as const) {
        const response = await t.call(method, path, { userId: "alice", body });

        expect(response.status, `${method} ${path}`).toBe(404);
      }
    });

    test("bad create body is 400 naming the field", async () => {
      const response = await create("alice", { id: "has space", members: [] });

      expect(response.status).toBe(400);
      expect((await response.json()).error).toMatchObject({ code: "invalid_request", field: "id" });
    });

    test("unknown create field is 400 naming it", async () => {
      const response = await create("alice", { id: "typo", member: ["bob"] });

      expect(response.status).toBe(400);
      expect((await response.json()).error).toMatchObject({
        code: "invalid_request",
        field: "member",
      });
      expect((await create("alice", { id: "typo" })).status).toBe(201);
    });

    test("null title is accepted as no title", async () => {
      const response = await create("alice", { id: "untitled", title: null });
      const { conversation } = await response.json();

      expect(response.status).toBe(201);
      expect(conversation.title).toBeNull();
    });
  });
});
