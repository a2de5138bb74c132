export type { Conversation, CreateConversationRequest } from "@syncline/protocol";
export type { BroadcastChannelConstructorLike, BroadcastChannelLike } from "./broadcast.ts";
export { createClient, type SynclineClient } from "./client.ts";
export type { ClientMetrics } from "./client-metrics.ts";
export { fetchDevToken } from "./dev-token.ts";
export {
  type ClientErrorCode,
  clientErrorCodes,
  type ErrorAction,
  errorAction,
  SyncError,
  type SyncErrorCode,
} from "./errors.ts";
export type { Reaction } from "./fold.ts";
export type { LogContext, Logger } from "./logger.ts";
export type { ClientOptions } from "./options.ts";
export type { StorageManagerLike, StorageStatus } from "./storage-status.ts";
export type { LockManagerLike } from "./tab-leader.ts";
export type { GetToken } from "./token.ts";
export type {
  ConnectionStatus,
  ConversationSummary,
  Message,
  MessageState,
  PendingOp,
  Presence,
  WebSocketConstructorLike,
  WebSocketLike,
} from "./types.ts";
