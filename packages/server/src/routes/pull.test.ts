import type { BatchPullResponse, PullResponse } from "@syncline/protocol";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { pullBatch } from "../sync/batch-pull.ts";
import { makeMessage } from "../testing/builders.ts";
import { createTestApp, isStoreUnavailable, storeKinds, type TestApp } from "../testing/harness.ts";

describe.each(storeKinds)("pull on %s", (kind) => {
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
      conversationId = `p${++counter}`;
      await t.call("POST", "/v1/conversations", {
        userId: "alice",
        body: { id: conversationId, members: ["bob"] },
      });
    });

    async function pushMessages(count: number, prefix = "m"): Promise<void> {
      for (let start = 0; start < count; start += 100) {
        const ops = Array.from({ length: Math.min(100, count - start) }, (_, i) =>
          makeMessage(conversationId, `${prefix}${start + i + 1}`),
        );
        const response = await t.call("POST", "/v1/push", { userId: "alice", body: { ops } });
        expect(response.status).toBe(200);
      }
    }

    async function pull(query: string, userId = "bob"): Promise<Response> {
      return t.call("GET", `/v1/conversations/${conversationId}/events${query}`, { userId });
    }

    test("events come back in seq order", async () => {
      await pushMessages(3);

      const response = await pull("");
      const page = (await response.json()) as PullResponse;

      expect(response.status).toBe(200);
      expect(page.conversationId).toBe(conversationId);
      expect(page.events.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(page.events.map((e) => e.body.text)).toEqual(["m1", "m2", "m3"]);
      expect(page).toMatchObject({ latestSeq: 3, hasMore: false });
      expect(page.epoch).toEqual(expect.any(String));
      expect(page.events[0]).toMatchObject({ senderId: "alice", type: "message", conversationId });
    });

    test("after skips what the client holds", async () => {
      await pushMessages(5);

      const page = (await (await pull("?after=3")).json()) as PullResponse;

      expect(page.events.map((e) => e.seq)).toEqual([4, 5]);
    });

    test("exactly a full page has no more", async () => {
      await pushMessages(100);

      const page = (await (await pull("?after=0&limit=100")).json()) as PullResponse;

      expect(page.events).toHaveLength(100);
      expect(page.hasMore).toBe(false);
      expect(page.latestSeq).toBe(100);
    });

    test("one over a page has more, then the last", async () => {
      await pushMessages(101);

      const first = (await (await pull("?after=0&limit=100")).json()) as PullResponse;
      const second = (await (await pull("?after=100&limit=100")).json()) as PullResponse;

      expect(first.events).toHaveLength(100);
      expect(first.hasMore).toBe(true);
      expect(second.events.map((e) => e.seq)).toEqual([101]);
      expect(second.hasMore).toBe(false);
    });

    test("paged catch-up of 250 ends with all", async () => {
      await pushMessages(250);
      const seqs: number[] = [];
      let after = 0;
      let hasMore = true;

      while (hasMore) {
        const page = (await (await pull(`?after=${after}&limit=100`)).json()) as PullResponse;
        seqs.push(...page.events.map((e) => e.seq));
        after = page.events.at(-1)?.seq ?? after;
        hasMore = page.hasMore;
      }

      expect(seqs).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    });

    test("cursor ahead of the log is 409 with head", async () => {
      await pushMessages(2);

      const response = await pull("?after=50");
      const body = await response.json();

      expect(response.status).toBe(409);
      expect(body.error.code).toBe("cursor_ahead");
      expect(body.error.details).toEqual({ latestSeq: 2, epoch: expect.any(String) });
    });

    test("cursor at the head is an empty page", async () => {
      await pushMessages(2);

      const page = (await (await pull("?after=2")).json()) as PullResponse;

      expect(page).toMatchObject({ events: [], latestSeq: 2, hasMore: false });
    });

    test("bad query is 400 naming the field", async () => {
      for (const [query, field] of [
        ["?after=-1", "after"],
        ["?limit=0", "limit"],
        ["?after=abc", "after"],
      ]) {
        const response = await pull(query ?? "");

        expect(response.status).toBe(400);
        expect((await response.json()).error).toMatchObject({ code: "invalid_request", field });
      }
    });

    test("unknown conversation is 404, non-member 403", async () => {
      const unknown = await t.call("GET", "/v1/conversations/nope/events", { userId: "bob" });
      const stranger = await pull("", "mallory");

      expect(unknown.status).toBe(404);
      expect(stranger.status).toBe(403);
      expect((await stranger.json()).error.code).toBe("forbidden");
    });

    test("batched pull answers each conversation", async () => {
      await pushMessages(3);
      const secret = `${conversationId}-secret`;
      await t.call("POST", "/v1/conversations", { userId: "carol", body: { id: secret } });
      await t.call("POST", "/v1/push", {
        userId: "carol",
        body: { ops: [makeMessage(secret, "private")] },
      });

      const response = await t.call("POST", "/v1/pull", {
        userId: "bob",
        body: { cursors: { [conversationId]: 1, [secret]: 0, nope: 0 }, limit: 1 },
      });
      const body = (await response.json()) as BatchPullResponse;

      expect(response.status).toBe(200);
      expect(body.conversations[conversationId]).toMatchObject({
        events: [{ seq: 2 }],
        latestSeq: 3,
        hasMore: true,
      });
      expect(body.conversations[secret]).toEqual({
        error: { code: "forbidden", message: expect.any(String) },
      });
      expect(JSON.stringify(body)).not.toContain("private");
      expect(body.conversations.nope).toMatchObject({ error: { code: "not_found" } });
    });

    test("batched pull reports cursor ahead per entry", async () => {
      await pushMessages(1);

      const response = await t.call("POST", "/v1/pull", {
        userId: "bob",
        body: { cursors: { [conversationId]: 7 } },
      });
      const body = (await response.json()) as BatchPullResponse;

      expect(body.conversations[conversationId]).toMatchObject({
        error: { code: "cursor_ahead", details: { latestSeq: 1 } },
      });
    });

    test("batched pull shrinks pages past its budget and still moves each forward", async () => {
      await pushMessages(5, "a");
      const first = conversationId;
      conversationId = `${first}-b`;
      await t.call("POST", "/v1/conversations", {
        userId: "alice",
        body: { id: conversationId, members: ["bob"] },
      });
      await pushMessages(5, "b");
      const cursors: Record<string, number> = { [first]: 0, [conversationId]: 0 };

      const byCount = await pullBatch(t.store, "bob", cursors, 100, {
        events: 3,
        bodyBytes: 1e9,
      });
      const byBytes = await pullBatch(t.store, "bob", cursors, 100, { events: 1e9, bodyBytes: 1 });

      expect(byCount.conversations[first]).toMatchObject({ latestSeq: 5, hasMore: true });
      expect(seqsOf(byCount, first)).toEqual([1, 2, 3]);
      expect(seqsOf(byCount, conversationId)).toEqual([1]);
      expect(byCount.conversations[conversationId]).toMatchObject({ hasMore: true });
      expect(seqsOf(byBytes, first)).toEqual([1]);
      expect(seqsOf(byBytes, conversationId)).toEqual([1]);
    });

    test("batched pull validates cursors", async () => {
      const response = await t.call("POST", "/v1/pull", {
        userId: "bob",
        body: { cursors: { [conversationId]: -1 } },
      });

      expect(response.status).toBe(400);
      expect((await response.json()).error.code).toBe("invalid_request");
    });
  });
});

function seqsOf(response: BatchPullResponse, conversationId: string): number[] {
  const entry = response.conversations[conversationId];
  return entry !== undefined && "events" in entry ? entry.events.map((event) => event.seq) : [];
}
