import { messageOp, signToken } from "../support/api.ts";
import type { RawDb } from "../support/raw-db.ts";
import { seedRawConversations } from "../support/raw-db.ts";
import { eventColumns, rawPush } from "../support/raw-push.ts";
import { rateRow } from "../support/report.ts";
import { monotonicMs } from "../support/stats.ts";
import { openRawTarget, type ServerTarget, startServerTarget } from "../support/target.ts";
import { forEachLimited, type Scenario, sized } from "./context.ts";

const conversationCount = 100;
const pageLimit = 1000;
const seedBatch = 100;
/** Batched pulls at most, so a server that never reports the end still stops. */
const maxPulls = 10_000;

interface PullEntry {
  events?: { seq: number }[];
  hasMore?: boolean;
}

/**
 * Catch-up: a client far behind across 100 conversations pulls with
 * batched pulls until current. The ceiling reads the same rows with raw
 * SQL by primary-key range; the "ORM tax" row replays the server's own
 * pull statements through the raw driver.
 */
export const catchUp: Scenario = {
  name: "catch-up",
  async run(context) {
    const eventCount = sized(context, { tiny: 1_000, quick: 10_000, full: 100_000 });
    const conversationIds = Array.from({ length: conversationCount }, (_, i) => `u${i}`);
    const server = await startServerTarget(context.store, context.postgresUrl);
    const raw = await openRawTarget(context.store, context.postgresUrl);
    try {
      const writer = await signToken("writer");
      await seedServer(server, writer, conversationIds, eventCount);
      const serverRun = await pullFromServer(server, await signToken("reader"), conversationIds);
      await seedRawConversations(raw.db, conversationIds, ["writer", "reader"]);
      await seedRaw(raw.db, conversationIds, eventCount);
      context.log(`seeded ${eventCount} events on both`);

      const rawRun = await pullRaw(raw.db, conversationIds, minimalPages);
      const replayRun = await pullRaw(raw.db, conversationIds, serverPages);
      const base = { scenario: "4 catch-up", store: context.store, unit: "events/s" };
      context.rows.push(
        rateRow({
          ...base,
          measure: `batched pull of ${serverRun.events} events, ${conversationCount} conversations`,
          value: serverRun.eventsPerSec,
          ceilingName: "raw SQL by primary-key range",
          ceiling: rawRun.eventsPerSec,
        }),
        rateRow({
          ...base,
          measure: "ORM tax: server pull vs its statements replayed raw",
          value: serverRun.eventsPerSec,
          ceilingName: "server's pull statements, raw driver",
          ceiling: replayRun.eventsPerSec,
        }),
      );
    } finally {
      await server.close();
      await raw.close();
    }
  },
};

async function seedServer(
  server: ServerTarget,
  writer: string,
  conversationIds: readonly string[],
  eventCount: number,
): Promise<void> {
  await forEachLimited(conversationIds, 8, (id) =>
    server.driver.createConversation(writer, id, ["reader"]),
  );
  const batches = Array.from({ length: eventCount / seedBatch }, (_, i) => i);
  await forEachLimited(batches, 8, async (batch) => {
    const id = conversationIds[batch % conversationCount] as string;
    await server.driver.push(
      writer,
      Array.from({ length: seedBatch }, () => messageOp(id)),
    );
  });
}

async function seedRaw(db: RawDb, conversationIds: readonly string[], eventCount: number) {
  const batches = Array.from({ length: eventCount / seedBatch }, (_, i) => i);
  await forEachLimited(batches, 8, async (batch) => {
    const id = conversationIds[batch % conversationCount] as string;
    await rawPush(
      db,
      "writer",
      Array.from({ length: seedBatch }, () => messageOp(id)),
    );
  });
}

async function pullFromServer(
  server: ServerTarget,
  token: string,
  conversationIds: readonly string[],
) {
  const cursors = new Map(conversationIds.map((id) => [id, 0]));
  let events = 0;
  const started = monotonicMs();
  for (let pull = 0; pull < maxPulls && cursors.size > 0; pull++) {
    const reply = (await server.driver.call("POST", "/v1/pull", token, {
      cursors: Object.fromEntries(cursors),
      limit: pageLimit,
    })) as { conversations: Record<string, PullEntry> };
    for (const [id, entry] of Object.entries(reply.conversations)) {
      const page = entry.events ?? [];
      events += page.length;
      if (entry.hasMore === true && page.length > 0) cursors.set(id, page.at(-1)?.seq ?? 0);
      else cursors.delete(id);
    }
  }
  const elapsedMs = monotonicMs() - started;
  return { events, eventsPerSec: (events * 1000) / elapsedMs };
}

/** Reads one page of each cursor; returns the seqs read by conversation. */
type BatchReader = (
  db: RawDb,
  cursors: ReadonlyMap<string, number>,
) => Promise<Map<string, number[]>>;

/** Reads each page with one primary-key range read per conversation: the ceiling. */
const minimalPages: BatchReader = async (db, cursors) => {
  const pages = new Map<string, number[]>();
  for (const [conversationId, after] of cursors) {
    const rows = await db.query(
      `SELECT conversation_id, seq, client_id, sender_id, type, body, created_at FROM events
        WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [conversationId, after, pageLimit],
    );
    pages.set(
      conversationId,
      rows.map((row) => Number(row.seq)),
    );
  }
  return pages;
};

/**
 * Replays the statements of the server's batched pull (packages/server/src/sync/batch-pull.ts)
 * as they were when this bench was written: one head and membership read, then one page read.
 */
const serverPages: BatchReader = async (db, cursors) => {
  const ids = [...cursors.keys()];
  await db.query(
    `SELECT c.id, c.last_seq, c.epoch, m.user_id IS NOT NULL AS member
       FROM conversations c
       LEFT JOIN members m
         ON m.conversation_id = c.id AND m.user_id = $2 AND m.removed_at IS NULL
      WHERE c.id = ANY($1::text[])`,
    [ids, "reader"],
  );
  const rows = await db.query(
    `SELECT page.* FROM unnest($1::text[], $2::bigint[]) AS cursor(id, after)
      CROSS JOIN LATERAL (
        SELECT ${eventColumns} FROM events
         WHERE conversation_id = cursor.id AND seq > cursor.after ORDER BY seq LIMIT $3
      ) AS page`,
    [ids, [...cursors.values()], pageLimit + 1],
  );
  const pages = new Map<string, number[]>(ids.map((id) => [id, []]));
  for (const row of rows) pages.get(String(row.conversation_id))?.push(Number(row.seq));
  for (const [id, seqs] of pages) pages.set(id, seqs.slice(0, pageLimit));
  return pages;
};

async function pullRaw(db: RawDb, conversationIds: readonly string[], readPages: BatchReader) {
  const cursors = new Map(conversationIds.map((id) => [id, 0]));
  let events = 0;
  const started = monotonicMs();
  for (let pull = 0; pull < maxPulls && cursors.size > 0; pull++) {
    for (const [id, seqs] of await readPages(db, cursors)) {
      events += seqs.length;
      if (seqs.length === pageLimit) cursors.set(id, seqs.at(-1) ?? 0);
      else cursors.delete(id);
    }
  }
  const elapsedMs = monotonicMs() - started;
  return { events, eventsPerSec: (events * 1000) / elapsedMs };
}
