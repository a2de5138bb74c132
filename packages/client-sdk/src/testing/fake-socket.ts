import type { WebSocketLike } from "../types.ts";

// biome-ignore lint/suspicious/noExplicitAny: each event type has its own shape, as on a real WebSocket.
type Listener = (event: any) => void;

/**
 * A WebSocket stand-in for unit tests. Every instance is kept in
 * `FakeSocket.instances`; the test plays the server with `acceptOpen`,
 * `receive` and `serverClose`, and reads what the client sent in `sent`.
 */
export class FakeSocket implements WebSocketLike {
  static instances: FakeSocket[] = [];
  readyState = 0;
  readonly sent: Array<{ type: string; [key: string]: unknown }> = [];
  closedByClient = false;
  private readonly listeners = new Map<string, Listener[]>();

  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
  }

  static reset(): void {
    FakeSocket.instances = [];
  }

  static latest(): FakeSocket {
    const socket = FakeSocket.instances.at(-1);
    if (socket === undefined) throw new Error("No socket was created.");
    return socket;
  }

  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }

  close(): void {
    this.closedByClient = true;
    this.readyState = 3;
  }

  acceptOpen(): void {
    this.readyState = 1;
    this.emit("open", {});
  }

  receive(frame: unknown): void {
    this.emit("message", { data: JSON.stringify(frame) });
  }

  /** Opens the socket and replies to the auth frame with `ready`. */
  acceptAuth(userId = "me"): void {
    this.acceptOpen();
    this.receive({ type: "ready", userId, connectionId: "connection-1" });
  }

  serverClose(code: number): void {
    this.readyState = 3;
    this.emit("close", { code, reason: "" });
  }

  private emit(type: string, event: unknown): void {
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }
}
