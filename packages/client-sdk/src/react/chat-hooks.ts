import { useMemo, useSyncExternalStore } from "react";
import type { SynclineClient } from "../client.ts";
import type { Presence } from "../types.ts";
import { createSnapshotStore, isDeepEqual, type SnapshotStore } from "./snapshot-store.ts";

const noUserIds: readonly string[] = Object.freeze([]);

// User ids contain no control characters, so a newline joins them without ambiguity.
const userIdSeparator = "\n";

/**
 * Returns the presence of `userIds`, in the order given: "unknown" until
 * the server reports, then online or offline with the last-seen time. The
 * caller may pass a new array on every render; the subscription changes
 * only when the ids do.
 */
export function usePresence(
  client: SynclineClient,
  userIds: readonly string[],
): readonly Presence[] {
  const key = userIds.join(userIdSeparator);
  const store = useMemo(
    () => createPresenceStore(client, key === "" ? [] : key.split(userIdSeparator)),
    [client, key],
  );
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/** Creates the snapshot store behind {@link usePresence}; exported for tests. */
export function createPresenceStore(
  client: SynclineClient,
  userIds: readonly string[],
): SnapshotStore<readonly Presence[]> {
  const unknown = userIds.map(
    (userId): Presence => ({ userId, status: "unknown", lastSeenAt: null }),
  );
  return createSnapshotStore<readonly Presence[]>(
    (listener) => client.subscribePresence(userIds, listener),
    unknown,
    isDeepEqual,
  );
}

/**
 * Returns the ids of the other members typing in a conversation now. The
 * array keeps its identity until someone starts or stops typing.
 */
export function useTyping(client: SynclineClient, conversationId: string): readonly string[] {
  const store = useMemo(() => createTypingStore(client, conversationId), [client, conversationId]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/** Creates the snapshot store behind {@link useTyping}; exported for tests. */
export function createTypingStore(
  client: SynclineClient,
  conversationId: string,
): SnapshotStore<readonly string[]> {
  return createSnapshotStore<readonly string[]>(
    (listener) => client.subscribeTyping(conversationId, listener),
    noUserIds,
    isDeepEqual,
  );
}
