import type { BatchPullResponse, PullResponse } from "@syncline/protocol";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { makeMessage } from "../testing/builders.ts";
import {
  createTestApp,
  isStoreUnavailable,
  silentLogger,
  storeKinds,
  type TestApp,
} from "../testing/harness.ts";
import { deleteExpiredBatch, RetentionSweeper } from "./retention.ts";

const dayMs = 86_400_000;

describe.each(storeKinds)("retention on %s", (kind) => {
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
        body: { id: conversationId, members: ["bob"] },
      });
    });

    async function pushMessages(count: number): Promise<void> {
      const ops = Array.from({ length: count }, (_, i) => makeMessage(conversationId, `m${i}`));
      const response = await t.call("POST", "/v1/push", { userId: "alice", body: { ops } });
      expect(response.status).toBe(200);
    }

    /** Makes the events up to `seq` look `days` old. */
    async function age(seq: number, days: number): Promise<void> {
      await t.store.query(
        `UPDATE events SET created_at = now() - make_interval(days => $3)
          WHERE conversation_id = $1 AND seq <= $2`,
        [conversationId, seq, days],
      );
    }

    async function storedSeqs(): Promise<number[]> {
      const rows = await t.store.query<{ seq: string | number }>(
        "SELECT seq FROM events WHERE conversation_id = $1 ORDER BY seq",
        [conversationId],
      );
      return rows.map((row) => Number(row.seq));
    }

    async function minSeq(): Promise<number> {
      const rows = await t.store.query<{ min_seq: string | number }>(
        "SELECT min_seq FROM conversations WHERE id = $1",
        [conversationId],
      );
      return Number(rows[0]?.min_seq);
    }

    const cutoff = () => new Date(Date.now() - 30 * dayMs);

    test("batches delete only old rows", async () => {
      await pushMessages(10);
      await age(7, 40);

      const first = await deleteExpiredBatch(t.store, cutoff(), 3);
      const second = await deleteExpiredBatch(t.store, cutoff(), 3);
      const third = await deleteExpiredBatch(t.store, cutoff(), 3);
      const fourth = await deleteExpiredBatch(t.store, cutoff(), 3);

      expect([first, second, third, fourth]).toEqual([3, 3, 1, 0]);
      expect(await storedSeqs()).toEqual([8, 9, 10]);
      expect(await minSeq()).toBe(8);
    });

    test("new conversation starts at min seq 1", async () => {
      await pushMessages(2);

      expect(await deleteExpiredBatch(t.store, cutoff(), 1000)).toBe(0);
      expect(await minSeq()).toBe(1);
    });

    test("pull below the range is 410", async () => {
      await pushMessages(6);
      await age(4, 40);
      await deleteExpiredBatch(t.store, cutoff(), 1000);

      const response = await t.call("GET", `/v1/conversations/${conversationId}/events?after=2`, {
        userId: "bob",
      });
      const body = await response.json();

      expect(response.status).toBe(410);
      expect(body.error.code).toBe("cursor_expired");
      expect(body.error.details).toEqual({
        oldestSeq: 5,
        latestSeq: 6,
        epoch: expect.any(String),
      });
    });

    test("pull from oldest seq minus one works", async () => {
      await pushMessages(6);
      await age(4, 40);
      await deleteExpiredBatch(t.store, cutoff(), 1000);

      const response = await t.call("GET", `/v1/conversations/${conversationId}/events?after=4`, {
        userId: "bob",
      });
      const page = (await response.json()) as PullResponse;

      expect(response.status).toBe(200);
      expect(page.events.map((event) => event.seq)).toEqual([5, 6]);
    });

    test("fully expired log is 410 below the head", async () => {
      await pushMessages(3);
      await age(3, 40);
      await deleteExpiredBatch(t.store, cutoff(), 1000);

      const response = await t.call("GET", `/v1/conversations/${conversationId}/events?after=0`, {
        userId: "bob",
      });
      const atHead = await t.call("GET", `/v1/conversations/${conversationId}/events?after=3`, {
        userId: "bob",
      });

      expect(response.status).toBe(410);
      expect((await response.json()).error.details).toMatchObject({ oldestSeq: 4, latestSeq: 3 });
      expect(atHead.status).toBe(200);
    });

    test("batched pull fails the expired entry", async () => {
      await pushMessages(4);
      await age(2, 40);
      await deleteExpiredBatch(t.store, cutoff(), 1000);

      const response = await t.call("POST", "/v1/pull", {
        userId: "bob",
        body: { cursors: { [conversationId]: 0 } },
      });
      const body = (await response.json()) as BatchPullResponse;

      expect(response.status).toBe(200);
      expect(body.conversations[conversationId]).toMatchObject({
        error: { code: "cursor_expired", details: { oldestSeq: 3, latestSeq: 4 } },
      });
    });

    test("pushes still get new unique seqs", async () => {
      await pushMessages(5);
      await age(5, 40);
      await deleteExpiredBatch(t.store, cutoff(), 1000);

      await pushMessages(2);

      expect(await storedSeqs()).toEqual([6, 7]);
      expect(await minSeq()).toBe(6);
    });

    test("sweeper deletes in batches until done", async () => {
      await pushMessages(25);
      await age(20, 40);
      const sweeper = new RetentionSweeper({
        runner: t.store,
        logger: silentLogger,
        retentionDays: 30,
        intervalMs: 3_600_000,
        batchSize: 4,
        batchPauseMs: 1,
      });

      const deleted = await sweeper.sweep();
      await sweeper.close();

      expect(deleted).toBeGreaterThanOrEqual(20);
      expect(await storedSeqs()).toEqual([21, 22, 23, 24, 25]);
    });
  });
});
