import type { createClient } from "@syncline/client-sdk";

/**
 * The SDK types the page uses, derived from `createClient` so that the page
 * follows the SDK's own declarations.
 */
export type SynclineClient = ReturnType<typeof createClient>;
export type Message = Awaited<ReturnType<SynclineClient["send"]>>;
export type ConversationSummary = Parameters<
  Parameters<SynclineClient["subscribeConversations"]>[0]
>[0][number];
export type ConnectionStatus = Parameters<Parameters<SynclineClient["subscribeStatus"]>[0]>[0];

export { createClient, fetchDevToken } from "@syncline/client-sdk";
