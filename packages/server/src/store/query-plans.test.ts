import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { pullBatch } from "../sync/batch-pull.ts";
import { createConversation } from "../sync/conversations.ts";
import { pullPage } from "../sync/pull.ts";
import { writeBatch } from "../sync/push-batch.ts";
import { makeMessage, makeOp } from "../testing/builders.ts";
import { isStoreUnavailable, makeStoreConfig, storeKinds } from "../testing/harness.ts";
import { openStore } from "./open-store.ts";
import type { Row, SqlRunner, Store } from "./store.ts";

/** Conversations and events per conversation seeded before the plans are read. */
const conversations = 20;
const eventsPerConversation = 2000;

interface Statement {
  text: string;
  params: readonly unknown[];
}

/** Wraps a runner so that every statement it runs is recorded. */
function recording(runner: SqlRunner, statements: Statement[]): SqlRunner {
  return {
    query<R extends Row>(text: string, params: readonly unknown[] = []) {
      statements.push({ text, params });
      return runner.query<R>(text, params);
    },
  };
}

/** Lists the events tables and partitions that a plan reads sequentially. */
function eventSeqScans(plan: unknown): string[] {
  if (Array.isArray(plan)) return plan.flatMap(eventSeqScans);
  if (typeof plan !== "object" || plan === null) return [];
  const node = plan as Record<string, unknown>;
  const own =
    node["Node Type"] === "Seq Scan" && String(node["Relation Name"]).startsWith("events")
      ? [String(node["Relation Name"])]
      : [];
  return [...own, ...Object.values(node).flatMap(eventSeqScans)];
}

describe.each(storeKinds)("query plans on %s", (kind) => {
  describe.skipIf(isStoreUnavailable(kind))("", () => {
    let store: Store;
    let drop: () => Promise<void>;
    /** Partitions that hold events; a scan of an empty one reads nothing. */
    let filled: Set<string>;

    beforeAll(async () => {
      const made = await makeStoreConfig(kind);
      drop = made.drop;
      store = await openStore(made.config);
      for (let i = 0; i < conversations; i++) {
        await createConversation(store, "ann", { id: `plan${i}`, members: ["bob"] });
      }
      await store.query(
        `INSERT INTO events (conversation_id, seq, client_id, sender_id, type, body)
         SELECT 'plan' || c, s, 'seed-' || c || '-' || s, 'ann',
                CASE WHEN s % 10 = 0 THEN 'message.delete' ELSE 'message' END,
                CASE WHEN s % 10 = 0 THEN jsonb_build_object('targetSeq', s - 1)
                     ELSE jsonb_build_object('text', 'seed') END
           FROM generate_series(0, $1::int - 1) AS c, generate_series(1, $2::int) AS s`,
        [conversations, eventsPerConversation],
      );
      await store.query("UPDATE conversations SET last_seq = $1", [eventsPerConversation]);
      await store.query("ANALYZE");
      const partitions = await store.query<{ name: string }>(
        "SELECT DISTINCT tableoid::regclass::text AS name FROM events",
      );
      filled = new Set(partitions.map((row) => row.name));
    }, 60_000);
    afterAll(async () => {
      await store?.close();
      await drop?.();
    });

    async function expectNoEventScan(statements: readonly Statement[]): Promise<void> {
      expect(statements.length).toBeGreaterThan(0);
      for (const { text, params } of statements) {
        const rows = await store.query(`EXPLAIN (FORMAT JSON) ${text}`, params);
        const scanned = eventSeqScans(rows).filter((relation) => filled.has(relation));
        expect(scanned, text).toEqual([]);
      }
    }

    test("pull reads a key range", async () => {
      const statements: Statement[] = [];

      await pullPage(recording(store, statements), {
        conversationId: "plan3",
        userId: "bob",
        after: 100,
        limit: 50,
      });

      await expectNoEventScan(statements);
    });

    test("batched pull reads key ranges", async () => {
      const statements: Statement[] = [];
      const cursors = { plan1: 0, plan2: 500, plan3: 1999, nope: 0 };

      await pullBatch(recording(store, statements), "bob", cursors, 100);

      await expectNoEventScan(statements);
    });

    test("push batch reads by key", async () => {
      const statements: Statement[] = [];
      const ops = [
        makeMessage("plan4", "hello"),
        makeOp({
          conversationId: "plan4",
          type: "reaction.add",
          body: { targetSeq: 7, emoji: "👍" },
        }),
        makeOp({
          conversationId: "plan5",
          type: "message.edit",
          body: { targetSeq: 9, text: "x" },
        }),
      ].map((op, index) => ({ index, op }));
      const groups = new Map([
        ["plan4", ops.slice(0, 2)],
        ["plan5", ops.slice(2)],
      ]);

      await store.transaction((tx) =>
        writeBatch(recording(tx, statements), [{ senderId: "ann", groups } as never]),
      );

      const reads = statements.filter(({ text }) => text.trimStart().startsWith("SELECT"));
      await expectNoEventScan(reads);
    });
  });
});
