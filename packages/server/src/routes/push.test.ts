import { limits, type PullResponse, type PushResponse } from "@syncline/protocol";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { makeMessage, makeOp } from "../testing/builders.ts";
import { createTestApp, isStoreUnavailable, storeKinds, type TestApp } from "../testing/harness.ts";

describe.each(storeKinds)("push on %s", (kind) => {
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
      conversationId = `c${++counter}`;
      const created = await t.call("POST", "/v1/conversations", {
        userId: "alice",
        body: { id: conversationId, members: ["bob"] },
      });
      expect(created.status).toBe(201);
    });

    async function push(userId: string, ops: unknown[]): Promise<PushResponse> {
      const response = await t.call("POST", "/v1/push", { userId, body: { ops } });
      expect(response.status).toBe(200);
      return (await response.json()) as PushResponse;
    }

    async function pullAll(): Promise<PullResponse> {
      const response = await t.call(
        "GET",
        `/v1/conversations/${conversationId}/events?limit=1000`,
        {
          userId: "alice",
        },
      );
      return (await response.json()) as PullResponse;
    }

    test("new ops get consecutive seqs", async () => {
      const ops = [makeMessage(conversationId, "one"), makeMessage(conversationId, "two")];

      const { results } = await push("alice", ops);

      expect(results.map((r) => r.status === "ok" && r.seq)).toEqual([1, 2]);
      expect(results.every((r) => r.status === "ok" && !r.duplicate)).toBe(true);
    });

    test("text round-trips byte for byte", async () => {
      const text =
        "\u202Eabc e\u0301 \u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466} \u05D0";

      await push("alice", [makeMessage(conversationId, text)]);
      const page = await pullAll();

      expect(page.events[0]?.body).toEqual({ text });
    });

    test("same client id and content is a duplicate", async () => {
      const op = makeMessage(conversationId, "hello", "dup-client-1");
      const [first] = (await push("alice", [op])).results;

      const [again] = (await push("alice", [{ ...op, body: { text: "hello" } }])).results;

      expect(first).toMatchObject({ status: "ok", seq: 1, duplicate: false });
      expect(again).toEqual({ ...first, duplicate: true });
      expect((await pullAll()).events).toHaveLength(1);
    });

    test("duplicate body compares as JSON", async () => {
      const op = makeOp({
        conversationId,
        clientId: "react-client-1",
        type: "message",
        body: { text: "x" },
      });
      await push("alice", [op]);
      const reaction = { targetSeq: 1, emoji: "+1" };
      await push("bob", [
        makeOp({
          conversationId,
          clientId: "react-client-2",
          type: "reaction.add",
          body: reaction,
        }),
      ]);

      const [again] = (
        await push("bob", [
          makeOp({
            conversationId,
            clientId: "react-client-2",
            type: "reaction.add",
            body: { emoji: "+1", targetSeq: 1 },
          }),
        ])
      ).results;

      expect(again).toMatchObject({ status: "ok", seq: 2, duplicate: true });
    });

    test("reused id by another sender is a conflict", async () => {
      await push("alice", [makeMessage(conversationId, "secret of alice", "shared-id-1")]);

      const [result] = (
        await push("bob", [makeMessage(conversationId, "secret of alice", "shared-id-1")])
      ).results;

      expect(result).toMatchObject({ status: "error", code: "conflict" });
      expect(result).not.toHaveProperty("seq");
      expect(JSON.stringify(result)).not.toContain("secret of alice");
      expect((await pullAll()).events).toHaveLength(1);
    });

    test("reused id with another body is a conflict", async () => {
      await push("alice", [makeMessage(conversationId, "first", "reused-id-1")]);

      const [result] = (await push("alice", [makeMessage(conversationId, "second", "reused-id-1")]))
        .results;

      expect(result).toMatchObject({ status: "error", code: "conflict" });
    });

    test("duplicates within one request", async () => {
      const op = makeMessage(conversationId, "twice", "in-batch-id-1");

      const { results } = await push("alice", [op, op, { ...op, body: { text: "other" } }]);

      expect(results[0]).toMatchObject({ status: "ok", seq: 1, duplicate: false });
      expect(results[1]).toMatchObject({ status: "ok", seq: 1, duplicate: true });
      expect(results[1]).toHaveProperty(
        "createdAt",
        (results[0] as { createdAt: string }).createdAt,
      );
      expect(results[2]).toMatchObject({ status: "error", code: "conflict" });
      expect((await pullAll()).latestSeq).toBe(1);
    });

    test("same client id in two conversations is two ops", async () => {
      const other = `${conversationId}-other`;
      await t.call("POST", "/v1/conversations", { userId: "alice", body: { id: other } });

      const { results } = await push("alice", [
        makeMessage(conversationId, "a", "cross-conv-1"),
        makeMessage(other, "b", "cross-conv-1"),
      ]);

      expect(results).toMatchObject([
        { status: "ok", seq: 1, duplicate: false },
        { status: "ok", seq: 1, duplicate: false },
      ]);
    });

    test("bad ops fail alone and others commit", async () => {
      const ops = [
        makeMessage(conversationId, "good one"),
        makeMessage(conversationId, ""),
        makeOp({ conversationId, type: "message.nope" }),
        makeMessage("no-such-conversation", "lost"),
        makeOp({ conversationId, type: "message.edit", body: { targetSeq: 99, text: "x" } }),
        makeMessage(conversationId, "x".repeat(limits.maxOpBytes)),
        makeOp({ conversationId, body: { text: "extra" }, extra: true }),
        makeMessage(conversationId, "good two"),
      ];

      const { results } = await push("alice", ops);

      expect(results.map((r) => (r.status === "ok" ? r.seq : r.code))).toEqual([
        1,
        "invalid_request",
        "invalid_request",
        "not_found",
        "invalid_request",
        "payload_too_large",
        "invalid_request",
        2,
      ]);
      expect(results[1]).toMatchObject({ field: "ops.1.body.text" });
      expect(results[4]).toMatchObject({ field: "ops.4.body.targetSeq" });
      expect(results.map((r) => r.clientId)).toEqual(ops.map((op) => op.clientId));
      const page = await pullAll();
      expect(page.events.map((e) => e.body.text)).toEqual(["good one", "good two"]);
    });

    test("non-member push is forbidden and writes nothing", async () => {
      const { results } = await push("mallory", [makeMessage(conversationId, "intruder")]);

      expect(results[0]).toMatchObject({ status: "error", code: "forbidden" });
      expect((await pullAll()).latestSeq).toBe(0);
    });

    test("edit and delete only by the sender", async () => {
      await push("alice", [makeMessage(conversationId, "mine")]);

      const { results } = await push("bob", [
        makeOp({ conversationId, type: "message.edit", body: { targetSeq: 1, text: "changed" } }),
        makeOp({ conversationId, type: "message.delete", body: { targetSeq: 1 } }),
        makeOp({
          conversationId,
          type: "reaction.add",
          body: { targetSeq: 1, emoji: "\u{1F600}" },
        }),
      ]);
      const own = await push("alice", [
        makeOp({ conversationId, type: "message.edit", body: { targetSeq: 1, text: "changed" } }),
      ]);

      expect(results.map((r) => (r.status === "ok" ? r.seq : r.code))).toEqual([
        "forbidden",
        "forbidden",
        2,
      ]);
      expect(own.results[0]).toMatchObject({ status: "ok", seq: 3 });
    });

    test("targets must be message events", async () => {
      await push("alice", [makeMessage(conversationId, "m")]);
      await push("bob", [
        makeOp({ conversationId, type: "reaction.add", body: { targetSeq: 1, emoji: "x" } }),
      ]);

      const [result] = (
        await push("alice", [
          makeOp({ conversationId, type: "reaction.add", body: { targetSeq: 2, emoji: "y" } }),
        ])
      ).results;

      expect(result).toMatchObject({
        status: "error",
        code: "invalid_request",
        field: "ops.0.body.targetSeq",
      });
    });

    test("target may be a message of the same push", async () => {
      const { results } = await push("alice", [
        makeMessage(conversationId, "m"),
        makeOp({ conversationId, type: "message.delete", body: { targetSeq: 1 } }),
      ]);

      expect(results).toMatchObject([{ seq: 1 }, { seq: 2 }]);
    });

    test("sending moves the sender's read position", async () => {
      await push("alice", [makeMessage(conversationId, "a"), makeMessage(conversationId, "b")]);

      const list = await (await t.call("GET", "/v1/conversations", { userId: "alice" })).json();
      const bobList = await (await t.call("GET", "/v1/conversations", { userId: "bob" })).json();

      const mine = list.conversations.find((c: { id: string }) => c.id === conversationId);
      const bobs = bobList.conversations.find((c: { id: string }) => c.id === conversationId);
      expect(mine).toMatchObject({ readSeq: 2, unreadCount: 0 });
      expect(bobs).toMatchObject({ readSeq: 0, unreadCount: 2 });
    });

    test("envelope errors fail the request", async () => {
      const cases: [unknown, string][] = [
        [{ ops: [] }, "ops"],
        [{ ops: [{ clientId: "short" }] }, "ops.0.clientId"],
        [{ ops: Array.from({ length: limits.maxOpsPerPush + 1 }, () => makeOp()) }, "ops"],
        [{}, "ops"],
      ];
      for (const [body, field] of cases) {
        const response = await t.call("POST", "/v1/push", { userId: "alice", body });

        expect(response.status).toBe(400);
        expect(await response.json()).toMatchObject({ error: { code: "invalid_request", field } });
      }
    });
  });
});
