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
  state: "pending" | "sent" | "failed";
  /** The server's reason for rejecting the message; present only when `state` is "failed". */
  error?: { code: string; message: string };
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
}

/** The state of the live connection, as shown by a connection indicator. */
export type ConnectionStatus = "connecting" | "online" | "offline" | "unauthorized" | "closed";

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
