import type { Reaction } from "./fold.ts";

/**
 * The delivery state of a message. "delivered" and "read" apply only to the
 * user's own confirmed messages, once every other member has stored, or
 * read, up to it.
 */
export type MessageState = "pending" | "sent" | "delivered" | "read" | "failed";

/** An edit, delete or reaction of the user that is still in the outbox. */
export interface PendingOp {
  clientId: string;
  type: "message.edit" | "message.delete" | "reaction.add" | "reaction.remove";
  state: "pending" | "failed";
  /** The server's reason for rejecting the op; present only when `state` is "failed". */
  error?: { code: string; message: string };
}

/** A chat message as the app shows it: confirmed by the server, or still in the outbox. */
export interface Message {
  clientId: string;
  conversationId: string;
  senderId: string;
  text: string;
  /** The server's seq; null while the message is pending or failed. */
  seq: number | null;
  /** The server's time once sent; the device's time while pending or failed. */
  createdAt: string;
  state: MessageState;
  /** The server's reason for rejecting the message; present only when `state` is "failed". */
  error?: { code: string; message: string };
  /** The server's time of the edit that set `text`, or the device's time of a pending edit; null if never edited. */
  editedAt: string | null;
  /** True once the sender deleted the message; `text` is then "". */
  deleted: boolean;
  reactions: Reaction[];
  /** For the user's own confirmed messages: how many other members have stored it. */
  deliveredCount?: number;
  /** For the user's own confirmed messages: how many other members have read it. */
  readCount?: number;
  /** The user's edits, delete and reactions on this message still in the outbox, in send order. */
  pendingOps: PendingOp[];
}

/** A user's presence as last reported, or "unknown" before the first report and when the server has none. */
export interface Presence {
  userId: string;
  status: "online" | "offline" | "unknown";
  lastSeenAt: string | null;
}

/** One row of the conversation list. */
export interface ConversationSummary {
  id: string;
  title: string | null;
  members: string[];
  /** The highest seq the server has reported for this conversation. */
  latestSeq: number;
  /** The highest seq up to which this device has stored every event. */
  cursor: number;
  /** Messages from other members after the user's read position. */
  unreadCount: number;
  /** The newest message, pending ones included. */
  lastMessage: Message | null;
  /**
   * The oldest seq the server still keeps, present once the server deleted
   * older events that this device never stored, so the app can show it.
   */
  historyStartSeq?: number;
}

/** The state of the live connection, as shown by a connection indicator. */
export type ConnectionStatus =
  | "connecting"
  | "online"
  | "offline"
  | "unauthorized"
  | "closed"
  /** The server does not speak this client's protocol version; final until the app is updated. */
  | "unsupported";

/**
 * The part of a WebSocket the SDK uses; the browser's class and `ws`'s class
 * both fit. Listeners are declared as methods so that TypeScript accepts
 * either class's own event types.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open" | "error", listener: (event: unknown) => void): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  addEventListener(type: "close", listener: (event: { code: number }) => void): void;
}

/** A WebSocket constructor, such as `globalThis.WebSocket` or `ws`'s `WebSocket`. */
export type WebSocketConstructorLike = new (url: string) => WebSocketLike;
