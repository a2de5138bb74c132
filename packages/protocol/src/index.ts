export {
  type AddMemberRequest,
  addMemberRequestSchema,
  type Conversation,
  type ConversationListResponse,
  type ConversationResponse,
  type CreateConversationRequest,
  conversationListResponseSchema,
  conversationResponseSchema,
  conversationSchema,
  createConversationRequestSchema,
  type DeliveredRequest,
  type DeliveredResponse,
  type DevTokenRequest,
  type DevTokenResponse,
  deliveredRequestSchema,
  deliveredResponseSchema,
  devTokenRequestSchema,
  devTokenResponseSchema,
  type MemberChangeResponse,
  type MemberState,
  memberChangeResponseSchema,
  memberStateSchema,
  type PresenceResponse,
  presenceResponseSchema,
  type ReadRequest,
  type ReadResponse,
  readRequestSchema,
  readResponseSchema,
} from "./conversations.ts";
export {
  describeZodError,
  type ErrorBody,
  type ErrorCode,
  errorBodySchema,
  errorCodeSchema,
  httpStatusByCode,
  ProtocolError,
  type ProtocolErrorOptions,
} from "./errors.ts";
export { type Event, eventSchema } from "./events.ts";
export {
  clientIdSchema,
  conversationIdSchema,
  cursorSchema,
  isWellFormedText,
  seqSchema,
  storableText,
  timestampSchema,
  userIdSchema,
} from "./ids.ts";
export { isSameJson } from "./json-equal.ts";
export { countCodePoints, jsonByteLength, limits } from "./limits.ts";
export {
  deleteBodySchema,
  editBodySchema,
  type MemberBody,
  memberBodySchema,
  messageBodySchema,
  type Op,
  type OpType,
  opSchema,
  opTypes,
  reactionBodySchema,
  serverEventTypes,
} from "./ops.ts";
export {
  type BatchPullEntry,
  type BatchPullRequest,
  type BatchPullResponse,
  batchPullEntrySchema,
  batchPullRequestSchema,
  batchPullResponseSchema,
  type PullPage,
  type PullQuery,
  type PullResponse,
  pullPageSchema,
  pullQuerySchema,
  pullResponseSchema,
} from "./pull.ts";
export {
  type PushError,
  type PushOk,
  type PushRequest,
  type PushResponse,
  type PushResult,
  pushErrorSchema,
  pushOkSchema,
  pushRequestSchema,
  pushResponseSchema,
  pushResultSchema,
} from "./push.ts";
export {
  authFrameSchema,
  type ClientFrame,
  clientFrameSchema,
  closeCodes,
  type DeliverySample,
  deliveredClientFrameSchema,
  deliveredServerFrameSchema,
  deliverySampleSchema,
  errorFrameSchema,
  type NotifyFrame,
  notifyFrameSchema,
  pingFrameSchema,
  pongFrameSchema,
  presenceFrameSchema,
  readFrameSchema,
  readyFrameSchema,
  type ServerFrame,
  serverFrameSchema,
  typingClientFrameSchema,
  typingServerFrameSchema,
} from "./ws.ts";

/** The protocol version this package describes. */
export const protocolVersion = 1;

/** The HTTP request header that carries the client's protocol version; absent means 1. */
export const protocolVersionHeader = "syncline-protocol-version";

/** The response header that lists the protocol versions a server speaks, comma-separated. */
export const protocolVersionsHeader = "syncline-protocol-versions";
