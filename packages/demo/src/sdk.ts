export type {
  ConnectionStatus,
  ConversationSummary,
  Message,
  StorageStatus,
  SynclineClient,
} from "@syncline/client-sdk";
export { createClient, fetchDevToken } from "@syncline/client-sdk";
export {
  useConnectionStatus,
  useConversations,
  useMessages,
  useStorageStatus,
} from "@syncline/client-sdk/react";
