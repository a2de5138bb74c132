import type { MemberState } from "@syncline/protocol";
import type { MemberWatermarks, SynclineDb } from "./db.ts";
import { SyncError } from "./errors.ts";

/** The watermark a receipt moves. */
export type WatermarkKind = keyof MemberWatermarks;

/**
 * Merges the server's member states into the stored ones, keeping the
 * higher value of each watermark, so a stale list never moves one back.
 */
export function mergeMemberStates(
  stored: Record<string, MemberWatermarks> | undefined,
  incoming: readonly MemberState[],
): Record<string, MemberWatermarks> {
  const merged: Record<string, MemberWatermarks> = { ...stored };
  for (const { userId, readSeq, deliveredSeq } of incoming) {
    const current = merged[userId] ?? { readSeq: 0, deliveredSeq: 0 };
    merged[userId] = {
      readSeq: Math.max(current.readSeq, readSeq),
      deliveredSeq: Math.max(current.deliveredSeq, deliveredSeq),
    };
  }
  return merged;
}

/** Raises one member's watermark from a `read` or `delivered` frame; a lower value is ignored. */
export async function applyWatermark(
  db: SynclineDb,
  conversationId: string,
  userId: string,
  kind: WatermarkKind,
  seq: number,
): Promise<void> {
  await db.transaction("rw", db.conversations, async () => {
    const stored = await db.conversations.get(conversationId);
    if (stored === undefined) return;
    const current = stored.memberStates?.[userId] ?? { readSeq: 0, deliveredSeq: 0 };
    if (current[kind] >= seq) return;
    const memberStates = { ...stored.memberStates, [userId]: { ...current, [kind]: seq } };
    await db.conversations.update(conversationId, { memberStates });
  });
}

/**
 * Moves the user's read position up at once and remembers it until the
 * server confirms it. Returns false when the position was already there,
 * and rejects with `not_found` for a conversation not in the list.
 */
export async function markReadLocally(
  db: SynclineDb,
  conversationId: string,
  seq: number,
): Promise<boolean> {
  return db.transaction("rw", db.conversations, async () => {
    const stored = await db.conversations.get(conversationId);
    if (stored === undefined) {
      throw new SyncError(
        "not_found",
        `Conversation ${conversationId} is not in the list; call sync() or wait for it to load.`,
      );
    }
    const pendingReadSeq = Math.max(stored.pendingReadSeq ?? 0, seq);
    if (stored.readSeq >= seq && stored.pendingReadSeq === undefined) return false;
    await db.conversations.update(conversationId, {
      readSeq: Math.max(stored.readSeq, seq),
      pendingReadSeq,
    });
    return true;
  });
}

/** Records the read position the server returned. The pending position clears once it is covered. */
export async function confirmRead(
  db: SynclineDb,
  conversationId: string,
  readSeq: number,
): Promise<void> {
  await db.transaction("rw", db.conversations, async () => {
    const stored = await db.conversations.get(conversationId);
    if (stored === undefined) return;
    const { pendingReadSeq, ...rest } = stored;
    const next = { ...rest, readSeq: Math.max(stored.readSeq, readSeq) };
    const keepPending = pendingReadSeq !== undefined && pendingReadSeq > readSeq;
    await db.conversations.put(keepPending ? { ...next, pendingReadSeq } : next);
  });
}

/** Drops a pending read the server rejected for good, such as after the user left. */
export async function dropPendingRead(db: SynclineDb, conversationId: string): Promise<void> {
  await db.transaction("rw", db.conversations, async () => {
    const stored = await db.conversations.get(conversationId);
    if (stored === undefined) return;
    const { pendingReadSeq: _dropped, ...rest } = stored;
    await db.conversations.put(rest);
  });
}

/** Lists the read positions not yet confirmed by the server, to send after a restart. */
export async function pendingReads(
  db: SynclineDb,
): Promise<Array<{ conversationId: string; seq: number }>> {
  const rows = await db.conversations.toArray();
  return rows.flatMap((row) =>
    row.pendingReadSeq === undefined ? [] : [{ conversationId: row.id, seq: row.pendingReadSeq }],
  );
}
