/** The part of the browser's `BroadcastChannel` the client uses to talk to its other tabs. */
export interface BroadcastChannelLike {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((event: MessageEvent) => void) | null;
}

/** A class such as the global `BroadcastChannel`: `new BroadcastChannel(name)`. */
export type BroadcastChannelConstructorLike = new (name: string) => BroadcastChannelLike;

/** Returns the global `BroadcastChannel`, or undefined where there is none. */
export function defaultBroadcastChannel(): BroadcastChannelConstructorLike | undefined {
  return typeof BroadcastChannel === "undefined" ? undefined : BroadcastChannel;
}
