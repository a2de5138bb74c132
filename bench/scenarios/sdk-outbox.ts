import type { Event } from "@syncline/protocol";
import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { type OutboxRow, SynclineDb, syncTables } from "../../packages/client-sdk/src/db.ts";
import { ack, enqueue } from "../../packages/client-sdk/src/outbox.ts";
import { buildMessageRow } from "../../packages/client-sdk/src/send.ts";
import { rateRow } from "../support/report.ts";
import { monotonicMs } from "../support/stats.ts";
import { type Scenario, type ScenarioContext, sized } from "./context.ts";

const ackBatch = 50;
const sharedKey = "sdk.done";

/**
 * SDK: the outbox's enqueue rate and ack-reconcile rate in fake-indexeddb,
 * beside the same rows written with bare Dexie calls. It needs no server,
 * so it runs once whatever the stores.
 */
export const sdkOutbox: Scenario = {
  name: "sdk",
  async run(context) {
    if (context.shared.has(sharedKey)) return;
    context.shared.set(sharedKey, 1);
    const rowCount = sized(context, { tiny: 50, quick: 2_000, full: 10_000 });
    const maxMs = sized(context, { tiny: 2_000, quick: 10_000, full: 30_000 });

    const sdk = openDb("sdk");
    const bare = openDb("bare");
    try {
      const enqueueRate = await timeRows(rowCount, maxMs, (i) => enqueue(sdk, rowAt(i)));
      const bareEnqueueRate = await timeRows(rowCount, maxMs, (i) => bare.outbox.add(rowAt(i)));
      const ackRate = await timeAcks(sdk, rowCount, maxMs, (rows) => ack(sdk, "me", rows));
      const bareAckRate = await timeAcks(bare, rowCount, maxMs, (rows) => bareAck(bare, rows));
      addRows(context, rowCount, { enqueueRate, bareEnqueueRate, ackRate, bareAckRate });
    } finally {
      sdk.close();
      bare.close();
    }
  },
};

function openDb(name: string): SynclineDb {
  return new SynclineDb(`bench-${name}-${process.pid}`, {
    indexedDB: new IDBFactory(),
    IDBKeyRange,
  });
}

function rowAt(i: number): OutboxRow {
  return buildMessageRow({
    clientId: `sdk-bench-${i}-${process.pid}`,
    conversationId: "c1",
    senderId: "me",
    text: `message ${i}`,
    nowMs: Date.now(),
  });
}

/** Runs `write` for rows 0..count-1, stopping early at `maxMs`; returns rows per second. */
async function timeRows(count: number, maxMs: number, write: (i: number) => Promise<unknown>) {
  const started = monotonicMs();
  let done = 0;
  while (done < count && monotonicMs() - started < maxMs) {
    await write(done);
    done += 1;
  }
  return (done * 1000) / (monotonicMs() - started);
}

async function timeAcks(
  db: SynclineDb,
  count: number,
  maxMs: number,
  reconcile: (rows: { row: OutboxRow; result: AckResult }[]) => Promise<void>,
) {
  const rows = await db.outbox.toArray();
  const started = monotonicMs();
  let done = 0;
  while (done < Math.min(count, rows.length) && monotonicMs() - started < maxMs) {
    const batch = rows.slice(done, done + ackBatch).map((row, i) => ({
      row,
      result: ackResult(row, done + i + 1),
    }));
    await reconcile(batch);
    done += batch.length;
  }
  return (done * 1000) / (monotonicMs() - started);
}

type AckResult = ReturnType<typeof ackResult>;

function ackResult(row: OutboxRow, seq: number) {
  const createdAt = new Date().toISOString();
  return { clientId: row.clientId, status: "ok" as const, seq, createdAt, duplicate: false };
}

/** Deletes the rows and stores their events in bulk in one transaction: the ceiling. */
async function bareAck(db: SynclineDb, acked: { row: OutboxRow; result: AckResult }[]) {
  await db.transaction("rw", syncTables(db), async () => {
    await db.outbox.bulkDelete(acked.map(({ row }) => row.position as number));
    const events: Event[] = acked.map(({ row, result }) => ({
      conversationId: row.conversationId,
      seq: result.seq,
      clientId: row.clientId,
      senderId: row.senderId,
      type: row.type,
      body: row.body,
      createdAt: result.createdAt,
    }));
    await db.events.bulkPut(events);
    const cursor = events.at(-1)?.seq ?? 0;
    await db.cursors.put({ conversationId: "c1", cursor, epoch: null });
  });
}

function addRows(
  context: ScenarioContext,
  rowCount: number,
  rates: { enqueueRate: number; bareEnqueueRate: number; ackRate: number; bareAckRate: number },
) {
  const base = { scenario: "7 sdk", store: "fake-indexeddb", unit: "ops/s" };
  context.rows.push(
    rateRow({
      ...base,
      measure: `outbox enqueue, ${rowCount} messages`,
      value: rates.enqueueRate,
      ceilingName: "bare Dexie add",
      ceiling: rates.bareEnqueueRate,
    }),
    rateRow({
      ...base,
      measure: `ack reconcile in batches of ${ackBatch}`,
      value: rates.ackRate,
      ceilingName: "bare Dexie bulk delete and put",
      ceiling: rates.bareAckRate,
    }),
  );
}
