import type { NotifyFrame } from "@syncline/protocol";
import { syncTables } from "./db.ts";
import { pickDeliverySample } from "./delivery-sample.ts";
import { toSyncError } from "./errors.ts";
import { noteLatestSeq, storeEvents } from "./log-store.ts";
import type { PullLoopOptions } from "./pull-loop.ts";

/**
 * Applies a notify. Events that start right after the cursor are stored
 * and advance it. Events beyond a gap are stored too, and the gap is pulled.
 * A notify about an unknown conversation means the user was added to it, so
 * the list is refreshed and the conversation pulled.
 */
export async function applyNotify(
  options: PullLoopOptions,
  frame: NotifyFrame,
  requestPull: (ids: readonly string[]) => void,
): Promise<void> {
  const { db, userId } = options;
  const { conversationId, latestSeq } = frame;
  if ((await db.conversations.get(conversationId)) === undefined) {
    await options.refreshConversations().catch((error: unknown) => {
      options.logger.warn("Conversation list refresh failed.", { code: toSyncError(error).code });
    });
    requestPull([conversationId]);
    return;
  }
  const events = frame.events ?? [];
  const cursor = await db.transaction("rw", syncTables(db), async () => {
    const stored = await storeEvents(db, userId, conversationId, events);
    await noteLatestSeq(db, conversationId, latestSeq, false);
    return stored;
  });
  options.onEventsStored?.(conversationId, events);
  options.onCursor?.(conversationId, cursor, pickDeliverySample(events, cursor, userId, "notify"));
  if (cursor < latestSeq) requestPull([conversationId]);
}
