export type {
  ConnectionStatus,
  ConversationSummary,
  Message,
  Presence,
  StorageStatus,
  SynclineClient,
} from "@syncline/client-sdk";
export { createClient, fetchDevToken } from "@syncline/client-sdk";
export {
  useConnectionStatus,
  useConversations,
  useMessages,
  usePresence,
  useStorageStatus,
  useTyping,
} from "@syncline/client-sdk/react";
