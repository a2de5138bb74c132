import type { PushResult } from "@syncline/protocol";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { makeMessage, makeOp, type OpFixture } from "../testing/builders.ts";
import { createTestApp, isStoreUnavailable, storeKinds, type TestApp } from "../testing/harness.ts";

describe.each(storeKinds)("edits, deletes and reactions on %s", (kind) => {
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
      conversationId = `e${++counter}`;
      await t.call("POST", "/v1/conversations", {
        userId: "alice",
        body: { id: conversationId, members: ["bob"] },
      });
      // seq 1: alice's message.
      await push("alice", [makeMessage(conversationId, "first")]);
    });

    async function push(userId: string, ops: OpFixture[]): Promise<PushResult[]> {
      const response = await t.call("POST", "/v1/push", { userId, body: { ops } });
      return (await response.json()).results;
    }

    const edit = (targetSeq: number) =>
      makeOp({ conversationId, type: "message.edit", body: { targetSeq, text: "new" } });
    const remove = (targetSeq: number) =>
      makeOp({ conversationId, type: "message.delete", body: { targetSeq } });
    const react = (type: "reaction.add" | "reaction.remove", targetSeq: number) =>
      makeOp({ conversationId, type, body: { targetSeq, emoji: "+1" } });

    const outcome = (result: PushResult | undefined) =>
      result?.status === "ok" ? "ok" : [result?.code, result?.field];
    const badTarget = ["invalid_request", "ops.0.body.targetSeq"];

    test("sender edits and deletes", async () => {
      const results = await push("alice", [edit(1), remove(1)]);

      expect(results.map(outcome)).toEqual(["ok", "ok"]);
    });

    test("other member may not edit", async () => {
      const [result] = await push("bob", [edit(1)]);

      expect(result).toMatchObject({ status: "error", code: "forbidden" });
    });

    test("other member may not delete", async () => {
      const [result] = await push("bob", [remove(1)]);

      expect(result).toMatchObject({ status: "error", code: "forbidden" });
    });

    test("any member reacts", async () => {
      const results = await push("bob", [react("reaction.add", 1)]);

      expect(results.map(outcome)).toEqual(["ok"]);
    });

    test("target that is not a message", async () => {
      await push("bob", [react("reaction.add", 1)]);

      const results = await push("alice", [edit(2)]);

      expect(outcome(results[0])).toEqual(badTarget);
    });

    test("target beyond the log", async () => {
      const results = await push("alice", [edit(9)]);

      expect(outcome(results[0])).toEqual(badTarget);
    });

    test("deleted target takes no edit", async () => {
      await push("alice", [remove(1)]);

      const edited = await push("alice", [edit(1)]);
      const deletedAgain = await push("alice", [remove(1)]);
      const reacted = await push("bob", [react("reaction.add", 1)]);

      expect(outcome(edited[0])).toEqual(badTarget);
      expect(outcome(deletedAgain[0])).toEqual(badTarget);
      expect(outcome(reacted[0])).toEqual(badTarget);
    });

    test("delete then edit in one push", async () => {
      const results = await push("alice", [remove(1), edit(1)]);

      expect(results.map(outcome)).toEqual(["ok", ["invalid_request", "ops.1.body.targetSeq"]]);
    });

    test("removing an absent reaction is accepted", async () => {
      const results = await push("bob", [react("reaction.remove", 1)]);

      expect(results.map(outcome)).toEqual(["ok"]);
    });
  });
});
