import { type SynclineDb, syncTables } from "./db.ts";
import { SyncError } from "./errors.ts";
import { resetConversation } from "./log-store.ts";

/**
 * Handles a `cursor_expired` entry: the server deleted the events after the
 * cursor up to `oldestSeq - 1`. The cursor moves to `oldestSeq - 1`, so the
 * next pull starts at the oldest kept event, and the conversation records
 * that its history starts at `oldestSeq`. A different epoch means the log
 * was recreated, so the conversation is reset first.
 */
export async function skipExpiredHistory(
  db: SynclineDb,
  conversationId: string,
  details: Record<string, unknown> | undefined,
): Promise<void> {
  const oldestSeq = details?.oldestSeq;
  if (typeof oldestSeq !== "number" || !Number.isInteger(oldestSeq) || oldestSeq < 1) {
    throw new SyncError(
      "bad_response",
      `A cursor_expired entry for conversation ${conversationId} has no valid oldestSeq.`,
    );
  }
  const epoch = typeof details?.epoch === "string" ? details.epoch : null;

  await db.transaction("rw", syncTables(db), async () => {
    let row = await db.cursors.get(conversationId);
    if (row?.epoch != null && epoch !== null && row.epoch !== epoch) {
      await resetConversation(db, conversationId, epoch);
      row = await db.cursors.get(conversationId);
    }
    const current = row ?? { conversationId, cursor: 0, epoch };
    // The cursor only moves up here, so an event already stored stays stored.
    const cursor = Math.max(current.cursor, oldestSeq - 1);
    await db.cursors.put({
      ...current,
      cursor,
      epoch: current.epoch ?? epoch,
      historyStartSeq: oldestSeq,
    });
  });
}
