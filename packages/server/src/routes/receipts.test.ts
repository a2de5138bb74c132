import type { Conversation } from "@syncline/protocol";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { makeMessage } from "../testing/builders.ts";
import { recordFrames } from "../testing/frame-recorder.ts";
import { createTestApp, isStoreUnavailable, storeKinds, type TestApp } from "../testing/harness.ts";

describe.each(storeKinds)("receipts on %s", (kind) => {
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
    beforeEach(async () => {
      conversationId = `r${++counter}`;
      await t.call("POST", "/v1/conversations", {
        userId: "alice",
        body: { id: conversationId, members: ["bob", "carol"] },
      });
    });

    async function push(userId: string, count: number): Promise<void> {
      const ops = Array.from({ length: count }, (_, i) => makeMessage(conversationId, `m${i}`));
      await t.call("POST", "/v1/push", { userId, body: { ops } });
    }

    async function receipt(userId: string, kind: "read" | "delivered", seq: number) {
      const path = `/v1/conversations/${conversationId}/${kind}`;
      return t.call("POST", path, { userId, body: { seq } });
    }

    async function find(userId: string): Promise<Conversation | undefined> {
      const response = await t.call("GET", "/v1/conversations", { userId });
      const { conversations } = (await response.json()) as { conversations: Conversation[] };
      return conversations.find((conversation) => conversation.id === conversationId);
    }

    test("delivered moves forward, capped", async () => {
      await push("alice", 5);

      const three = await (await receipt("bob", "delivered", 3)).json();
      const stale = await (await receipt("bob", "delivered", 2)).json();
      const beyond = await (await receipt("bob", "delivered", 99)).json();

      expect(three).toEqual({ deliveredSeq: 3 });
      expect(stale).toEqual({ deliveredSeq: 3 });
      expect(beyond).toEqual({ deliveredSeq: 5 });
    });

    test("delivered frame only when it moved", async () => {
      await push("alice", 3);
      const alice = recordFrames(t.hub, "alice");
      const bob = recordFrames(t.hub, "bob");

      await receipt("bob", "delivered", 2);
      await receipt("bob", "delivered", 2);
      await receipt("bob", "delivered", 1);

      expect(alice.ofType("delivered")).toEqual([
        { type: "delivered", conversationId, userId: "bob", seq: 2 },
      ]);
      expect(bob.ofType("delivered")).toEqual([]);
      alice.detach();
      bob.detach();
    });

    test("read implies delivered", async () => {
      await push("alice", 4);
      const alice = recordFrames(t.hub, "alice");

      await receipt("bob", "read", 3);
      const stale = await (await receipt("bob", "delivered", 2)).json();

      expect(stale).toEqual({ deliveredSeq: 3 });
      expect(alice.frames.filter((f) => f.type === "read" || f.type === "delivered")).toEqual([
        { type: "read", conversationId, userId: "bob", seq: 3 },
        { type: "delivered", conversationId, userId: "bob", seq: 3 },
      ]);
      alice.detach();
    });

    test("stale read leaves the watermark", async () => {
      await push("alice", 10);
      const alice = recordFrames(t.hub, "alice");

      await receipt("bob", "read", 10);
      const stale = await (await receipt("bob", "read", 7)).json();
      await push("bob", 1);

      expect(stale).toEqual({ readSeq: 10 });
      expect(alice.ofType("read").map((frame) => frame.seq)).toEqual([10, 11]);
      expect((await find("bob"))?.readSeq).toBe(11);
      alice.detach();
    });

    test("push tells members of the sender's receipts", async () => {
      const bob = recordFrames(t.hub, "bob");
      const alice = recordFrames(t.hub, "alice");

      await push("alice", 2);

      const receipts = { conversationId, userId: "alice", seq: 2 };
      expect(bob.ofType("read")).toEqual([{ type: "read", ...receipts }]);
      expect(bob.ofType("delivered")).toEqual([{ type: "delivered", ...receipts }]);
      expect(alice.ofType("read")).toEqual([{ type: "read", ...receipts }]);
      expect(alice.ofType("delivered")).toEqual([]);
      bob.detach();
      alice.detach();
    });

    test("list carries memberStates and unreadCount", async () => {
      await push("alice", 3);
      await push("bob", 1);
      await receipt("carol", "delivered", 2);

      const forCarol = await find("carol");
      const forAlice = await find("alice");

      expect(forCarol?.memberStates).toEqual([
        { userId: "alice", readSeq: 3, deliveredSeq: 3 },
        { userId: "bob", readSeq: 4, deliveredSeq: 4 },
        { userId: "carol", readSeq: 0, deliveredSeq: 2 },
      ]);
      expect(forCarol?.unreadCount).toBe(4);
      expect(forAlice?.unreadCount).toBe(1);
    });

    test("create answers memberStates", async () => {
      const response = await t.call("POST", "/v1/conversations", {
        userId: "alice",
        body: { id: `${conversationId}-new`, members: ["bob"] },
      });
      const { conversation } = await response.json();

      expect(conversation.memberStates).toEqual([
        { userId: "alice", readSeq: 0, deliveredSeq: 0 },
        { userId: "bob", readSeq: 0, deliveredSeq: 0 },
      ]);
      expect(conversation.unreadCount).toBe(0);
    });

    test("delivered by others is 403 or 404", async () => {
      const outsider = await receipt("mallory", "delivered", 1);
      const unknown = await t.call("POST", "/v1/conversations/nope/delivered", {
        userId: "alice",
        body: { seq: 1 },
      });
      const invalid = await t.call("POST", `/v1/conversations/${conversationId}/delivered`, {
        userId: "alice",
        body: { seq: -1 },
      });

      expect(outsider.status).toBe(403);
      expect(unknown.status).toBe(404);
      expect(invalid.status).toBe(400);
    });
  });
});
