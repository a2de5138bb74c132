export { usePresence, useTyping } from "./chat-hooks.ts";
export {
  useConnectionStatus,
  useConversations,
  useMessages,
  useStorageStatus,
} from "./hooks.ts";
export { createSnapshotStore, isDeepEqual, type SnapshotStore } from "./snapshot-store.ts";
