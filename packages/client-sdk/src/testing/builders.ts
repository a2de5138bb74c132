import type { Event } from "@syncline/protocol";
import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { type OutboxRow, SynclineDb } from "../db.ts";

let databaseCount = 0;

/** Opens a fresh database on its own fake IndexedDB, so tests never share state. */
export function makeDb(indexedDB: IDBFactory = new IDBFactory()): SynclineDb {
  databaseCount += 1;
  return new SynclineDb(`test-${databaseCount}`, { indexedDB, IDBKeyRange });
}

/** Builds a confirmed message event of conversation c1 from "other" unless overridden. */
export function makeEvent(overrides: Partial<Event> & { seq: number }): Event {
  return {
    conversationId: "c1",
    clientId: `client-${overrides.conversationId ?? "c1"}-${overrides.seq}`,
    senderId: "other",
    type: "message",
    body: { text: `message ${overrides.seq}` },
    createdAt: new Date(Date.UTC(2030, 0, 1, 0, 0, overrides.seq)).toISOString(),
    ...overrides,
  };
}

/** Builds a pending outbox message of "me" in c1 unless overridden. */
export function makeOutboxRow(overrides: Partial<OutboxRow> & { clientId: string }): OutboxRow {
  return {
    conversationId: "c1",
    type: "message",
    body: { text: `text of ${overrides.clientId}` },
    senderId: "me",
    createdAt: "2030-01-01T00:00:00.000Z",
    state: "pending",
    ...overrides,
  } as OutboxRow;
}
