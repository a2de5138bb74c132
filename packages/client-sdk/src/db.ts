import type { Event, Op } from "@syncline/protocol";
import { Dexie, type EntityTable, type Table } from "dexie";
import { SyncError } from "./errors.ts";

/** An op waiting in the outbox, in send order by `position`. */
export type OutboxRow = Op & {
  /** Auto-incremented on insert: the send order on this device. */
  position?: number;
  senderId: string;
  /** The device's time at send, shown until the server's time is known. */
  createdAt: string;
  state: "pending" | "failed";
  error?: { code: string; message: string };
};

/** How far this device has stored a conversation's log, and which incarnation of it. */
export interface CursorRow {
  conversationId: string;
  /** The highest seq such that every seq from 1 to it is stored. */
  cursor: number;
  /** The log's epoch from the last pull; null before the first pull. */
  epoch: string | null;
  /** The oldest seq the server still keeps, set once retention deleted older events. */
  historyStartSeq?: number;
}

/** A conversation as last seen from the server, updated by pulled events. */
export interface ConversationRow {
  id: string;
  title: string | null;
  createdAt: string;
  members: string[];
  latestSeq: number;
  epoch: string;
  /** The user's read position; sending implies reading up to the sent seq. */
  readSeq: number;
  /** Every member's receipt watermarks by user id; they only move forward within an epoch. */
  memberStates?: Record<string, MemberWatermarks>;
  /** The server's unread count from the last list refresh, taken at `unreadAsOfSeq`. */
  unreadCount?: number;
  /** The conversation's latest seq when the server counted `unreadCount`. */
  unreadAsOfSeq?: number;
  /** The user's read position as the server reported it with `unreadCount`. */
  serverReadSeq?: number;
  /** The seq up to which `members` reflects the membership events; 0 when unknown. */
  membersAsOfSeq?: number;
  /** A read position that `markRead` set and the server has not confirmed yet. */
  pendingReadSeq?: number;
}

/** One member's receipt watermarks in a conversation. */
export interface MemberWatermarks {
  readSeq: number;
  deliveredSeq: number;
}

/** The IndexedDB implementation: browsers have both globally, and Node tests inject fake-indexeddb. */
export interface IndexedDbSource {
  indexedDB?: IDBFactory | undefined;
  IDBKeyRange?: typeof IDBKeyRange | undefined;
}

/**
 * The per-user database: the outbox, the confirmed events of each
 * conversation, the cursors and the conversation list.
 */
export class SynclineDb extends Dexie {
  outbox!: EntityTable<OutboxRow, "position">;
  events!: Table<Event, [string, number]>;
  cursors!: EntityTable<CursorRow, "conversationId">;
  conversations!: EntityTable<ConversationRow, "id">;

  constructor(name: string, source: IndexedDbSource = {}) {
    const options: ConstructorParameters<typeof Dexie>[1] = { autoOpen: true };
    if (source.indexedDB !== undefined) options.indexedDB = source.indexedDB;
    if (source.IDBKeyRange !== undefined) options.IDBKeyRange = source.IDBKeyRange;
    super(name, options);
    provideGlobalDependencies(source);
    this.version(1).stores({
      outbox: "++position, &clientId, state, conversationId",
      events: "[conversationId+seq], [conversationId+clientId]",
      cursors: "conversationId",
      conversations: "id",
    });
  }
}

/**
 * Sets `Dexie.dependencies` where there is no global `indexedDB`, as in Node
 * tests. Dexie 4 fills it from the globals at load time, and its liveQuery
 * does nothing while it is unset. The value only enables liveQuery, because
 * each database keeps the factory it was given.
 */
function provideGlobalDependencies(source: IndexedDbSource): void {
  const dependencies = Dexie.dependencies as { indexedDB: unknown; IDBKeyRange: unknown };
  if (dependencies.indexedDB || source.indexedDB === undefined) return;
  dependencies.indexedDB = source.indexedDB;
  dependencies.IDBKeyRange = source.IDBKeyRange;
}

/** Returns the tables a sync write touches, for `db.transaction("rw", syncTables(db), ...)`. */
export function syncTables(db: SynclineDb) {
  return [db.outbox, db.events, db.cursors, db.conversations];
}

/**
 * Opens the database, giving up after `timeoutMs` and trying once more:
 * some engines leave `indexedDB.open` unsettled forever. Rejects with
 * `storage_unavailable` when neither try opens it.
 */
export async function openWithTimeout(db: SynclineDb, timeoutMs: number): Promise<void> {
  let lastError: unknown;
  for (let tryNumber = 0; tryNumber < 2; tryNumber++) {
    const opening = db.open();
    try {
      await withTimeout(opening, timeoutMs);
      return;
    } catch (error) {
      lastError = error;
      // Only a close that disables auto-open cancels an open in progress; without the cancel,
      // the next db.open() would wait on the same unsettled request instead of trying again.
      db.close();
      await opening.catch(() => {});
    }
  }
  throw toStorageError(lastError, `opening database ${db.name}`);
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Tells whether an IndexedDB failure means the disk or the origin's quota is
 * full. Engines report it as QuotaExceededError, or as an AbortError whose
 * inner error is one, so both are checked.
 */
export function isQuotaError(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const { name, inner, cause } = current as { name?: string; inner?: unknown; cause?: unknown };
    if (name === "QuotaExceededError") return true;
    current = inner ?? cause;
  }
  return false;
}

/** Converts a storage failure into `storage_full` or `storage_unavailable`. */
export function toStorageError(error: unknown, action: string): SyncError {
  if (error instanceof SyncError) return error;
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (isQuotaError(error)) {
    return new SyncError(
      "storage_full",
      `Storage is full while ${action} (${reason}); free disk space or clear site data.`,
      { cause: error },
    );
  }
  return new SyncError(
    "storage_unavailable",
    `Storage failed while ${action} (${reason}); reload the page, or close other tabs of this app.`,
    { cause: error },
  );
}
