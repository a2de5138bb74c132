export { useConnectionStatus, useConversations, useMessages } from "./hooks.ts";
export { createSnapshotStore, isDeepEqual, type SnapshotStore } from "./snapshot-store.ts";
