import type { Event, Op, PushOk } from "@syncline/protocol";
import { contiguousCursor, deliveredClientIds } from "../log-store.ts";

/**
 * The durable state of one simulated device: what the SDK keeps in
 * IndexedDB (outbox, events, cursors, read positions). It survives a crash.
 * Each function below is one SDK transaction. They are synchronous, so a
 * crash, which the scheduler can only run between tasks, never splits one.
 * The Dexie code in log-store.ts and outbox.ts is modelled here, but the
 * decisions that are pure functions there (`contiguousCursor`,
 * `deliveredClientIds`) are the SDK's own.
 */
export interface DurableState {
  outbox: OutboxEntry[];
  events: Map<string, Map<number, Event>>;
  cursors: Map<string, number>;
  readSeqs: Map<string, number>;
  pendingReads: Map<string, number>;
}

/** An outbox row, as in the SDK's `outbox` table, kept in send order. */
export interface OutboxEntry {
  op: Op;
  state: "pending" | "failed";
  error?: string;
}

/** Faults that can be injected into the model to show the checker catches them. */
export interface ModelBugs {
  /** Move the cursor to the highest stored seq instead of over contiguous seqs only. */
  cursorOnArrival?: boolean;
  /** Remove the outbox row when the push is sent instead of when its ack is stored. */
  dropOutboxOnSend?: boolean;
}

export function createDurableState(conversationIds: readonly string[]): DurableState {
  const state: DurableState = {
    outbox: [],
    events: new Map(),
    cursors: new Map(),
    readSeqs: new Map(),
    pendingReads: new Map(),
  };
  for (const id of conversationIds) {
    state.events.set(id, new Map());
    state.cursors.set(id, 0);
    state.readSeqs.set(id, 0);
  }
  return state;
}

export function enqueue(state: DurableState, op: Op): void {
  state.outbox.push({ op, state: "pending" });
}

/** Models `storeEvents` in log-store.ts: store, match the outbox, move the cursor. */
export function storeEvents(
  state: DurableState,
  userId: string,
  conversationId: string,
  events: readonly Event[],
  bugs: ModelBugs,
): number {
  const stored = state.events.get(conversationId);
  if (stored === undefined) return 0;
  for (const event of events) stored.set(event.seq, event);
  const delivered = new Set(deliveredClientIds(userId, events));
  state.outbox = state.outbox.filter(
    (row) => !(row.op.conversationId === conversationId && delivered.has(row.op.clientId)),
  );
  raiseOwnReadSeq(state, userId, conversationId, events);
  const cursor = state.cursors.get(conversationId) ?? 0;
  const above = [...stored.keys()].filter((seq) => seq > cursor).sort((a, b) => a - b);
  const next = bugs.cursorOnArrival ? Math.max(cursor, ...above) : contiguousCursor(cursor, above);
  state.cursors.set(conversationId, next);
  return next;
}

/** Models `ack` in outbox.ts: acked rows move to the events in one transaction. */
export function ack(
  state: DurableState,
  userId: string,
  acked: ReadonlyArray<{ op: Op; result: PushOk }>,
  bugs: ModelBugs,
): void {
  for (const { op, result } of acked) {
    state.outbox = state.outbox.filter((row) => row.op.clientId !== op.clientId);
    const event: Event = {
      conversationId: op.conversationId,
      seq: result.seq,
      clientId: op.clientId,
      senderId: userId,
      type: op.type,
      body: op.body as Record<string, unknown>,
      createdAt: result.createdAt,
    };
    storeEvents(state, userId, op.conversationId, [event], bugs);
  }
}

export function markFailed(state: DurableState, clientId: string, code: string): void {
  for (const row of state.outbox) {
    if (row.op.clientId === clientId) {
      row.state = "failed";
      row.error = code;
    }
  }
}

/** Models `discardFailed`: the app drops a failed row. Returns the dropped ops. */
export function discardFailed(state: DurableState): Op[] {
  const failed = state.outbox.filter((row) => row.state === "failed").map((row) => row.op);
  state.outbox = state.outbox.filter((row) => row.state !== "failed");
  return failed;
}

/** Models `markReadLocally` in receipts.ts. */
export function markReadLocally(state: DurableState, conversationId: string, seq: number): void {
  const readSeq = state.readSeqs.get(conversationId) ?? 0;
  const pending = state.pendingReads.get(conversationId) ?? 0;
  state.readSeqs.set(conversationId, Math.max(readSeq, seq));
  state.pendingReads.set(conversationId, Math.max(pending, seq));
}

/** Models `confirmRead` in receipts.ts: the pending position clears once covered. */
export function confirmRead(state: DurableState, conversationId: string, readSeq: number): void {
  const current = state.readSeqs.get(conversationId) ?? 0;
  state.readSeqs.set(conversationId, Math.max(current, readSeq));
  const pending = state.pendingReads.get(conversationId);
  if (pending !== undefined && pending <= readSeq) state.pendingReads.delete(conversationId);
}

/** Raises the local read position from a `read` frame for the user's own id. */
export function raiseReadSeq(state: DurableState, conversationId: string, seq: number): void {
  const current = state.readSeqs.get(conversationId) ?? 0;
  state.readSeqs.set(conversationId, Math.max(current, seq));
}

/** Sending implies reading: the user's own message raises the read position. */
function raiseOwnReadSeq(
  state: DurableState,
  userId: string,
  conversationId: string,
  events: readonly Event[],
): void {
  for (const event of events) {
    if (event.senderId === userId && event.type === "message") {
      raiseReadSeq(state, conversationId, event.seq);
    }
  }
}
