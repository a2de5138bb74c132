import { useMemo, useSyncExternalStore } from "react";
import type { SynclineClient } from "../client.ts";
import type { StorageStatus } from "../storage-status.ts";
import type { ConnectionStatus, ConversationSummary, Message } from "../types.ts";
import { createSnapshotStore, isDeepEqual } from "./snapshot-store.ts";

const noMessages: readonly Message[] = Object.freeze([]);
const noConversations: readonly ConversationSummary[] = Object.freeze([]);

/**
 * Returns the messages of a conversation as `subscribeMessages` reports
 * them: confirmed ones in seq order, then pending and failed ones. The
 * array is empty until the first read from the database completes, and it
 * keeps its identity until a message changes.
 */
export function useMessages(client: SynclineClient, conversationId: string): readonly Message[] {
  const store = useMemo(
    () =>
      createSnapshotStore<readonly Message[]>(
        (listener) => client.subscribeMessages(conversationId, listener),
        noMessages,
        isDeepEqual,
      ),
    [client, conversationId],
  );
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/**
 * Returns the user's conversations, newest activity first, with unread
 * counts and last messages. Empty until the first read completes.
 */
export function useConversations(client: SynclineClient): readonly ConversationSummary[] {
  const store = useMemo(
    () =>
      createSnapshotStore<readonly ConversationSummary[]>(
        (listener) => client.subscribeConversations(listener),
        noConversations,
        isDeepEqual,
      ),
    [client],
  );
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/** Returns the state of the live connection: connecting, online, offline, unauthorized or closed. */
export function useConnectionStatus(client: SynclineClient): ConnectionStatus {
  const store = useMemo(
    () =>
      createSnapshotStore<ConnectionStatus>(
        (listener) => client.subscribeStatus(listener),
        "connecting",
        Object.is,
      ),
    [client],
  );
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/** Returns where the client keeps data and whether persistent storage was granted. */
export function useStorageStatus(client: SynclineClient): StorageStatus {
  const store = useMemo(
    () =>
      createSnapshotStore<StorageStatus>(
        (listener) => client.subscribeStorage(listener),
        client.getStorageStatus(),
        Object.is,
      ),
    [client],
  );
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}
