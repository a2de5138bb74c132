import type { Event, Op, PushOk } from "@syncline/protocol";
import { type OutboxRow, type SynclineDb, syncTables } from "./db.ts";
import { SyncError } from "./errors.ts";
import { storeEvents } from "./log-store.ts";

/** Adds an op to the end of the outbox in one transaction and returns the stored row. */
export async function enqueue(db: SynclineDb, row: OutboxRow): Promise<OutboxRow> {
  const position = await db.outbox.add(row);
  return { ...row, position: position as number };
}

/** Reads up to `limit` pending rows in send order; failed rows are skipped. */
export function nextPending(db: SynclineDb, limit: number): Promise<OutboxRow[]> {
  return db.outbox.where("state").equals("pending").limit(limit).toArray();
}

/** Marks a row failed with the server's reason, so it leaves the push queue. */
export async function markFailed(
  db: SynclineDb,
  clientId: string,
  error: { code: string; message: string },
): Promise<void> {
  await db.outbox.where("clientId").equals(clientId).modify({ state: "failed", error });
}

/** An outbox row and the server's ack of it. */
export interface Acked {
  row: OutboxRow;
  result: PushOk;
}

/**
 * Moves acked ops from the outbox to the confirmed events, with the
 * server's seq and time, in one transaction, and advances each cursor over
 * the seqs that are now contiguous.
 */
export async function ack(db: SynclineDb, userId: string, acked: readonly Acked[]): Promise<void> {
  if (acked.length === 0) return;
  const byConversation = new Map<string, Event[]>();
  for (const { row, result } of acked) {
    const events = byConversation.get(row.conversationId) ?? [];
    events.push(toEvent(row, userId, result));
    byConversation.set(row.conversationId, events);
  }
  await db.transaction("rw", syncTables(db), async () => {
    await db.outbox
      .where("clientId")
      .anyOf(acked.map(({ row }) => row.clientId))
      .delete();
    for (const [conversationId, events] of byConversation) {
      await storeEvents(db, userId, conversationId, events);
    }
  });
}

function toEvent(row: OutboxRow, userId: string, result: PushOk): Event {
  return {
    conversationId: row.conversationId,
    seq: result.seq,
    clientId: row.clientId,
    senderId: userId,
    type: row.type,
    body: row.body,
    createdAt: result.createdAt,
  };
}

/** Returns the op to push for a row, without the outbox's own fields. */
export function toOp(row: OutboxRow): Op {
  const { clientId, conversationId, type, body } = row;
  return { clientId, conversationId, type, body } as Op;
}

/** Puts a failed row back in line, at its original place in the send order. */
export async function retryFailed(db: SynclineDb, clientId: string): Promise<void> {
  await db.transaction("rw", db.outbox, async () => {
    const row = await failedRow(db, clientId, "retried");
    const { error: _error, ...rest } = row;
    await db.outbox.put({ ...rest, state: "pending" });
  });
}

/** Removes a failed row from the outbox. */
export async function discardFailed(db: SynclineDb, clientId: string): Promise<void> {
  await db.transaction("rw", db.outbox, async () => {
    const row = await failedRow(db, clientId, "discarded");
    await db.outbox.delete(row.position as number);
  });
}

async function failedRow(db: SynclineDb, clientId: string, action: string): Promise<OutboxRow> {
  const row = await db.outbox.where("clientId").equals(clientId).first();
  if (row === undefined) {
    throw new SyncError(
      "not_found",
      `Message ${clientId} is not in the outbox, so it cannot be ${action}.`,
    );
  }
  if (row.state !== "failed") {
    throw new SyncError(
      "invalid_request",
      `Message ${clientId} is still pending; only a failed message can be ${action}.`,
    );
  }
  return row;
}
