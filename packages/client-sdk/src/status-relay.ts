import type { BroadcastChannelConstructorLike } from "./broadcast.ts";
import type { StatusStore } from "./status.ts";
import type { ConnectionStatus } from "./types.ts";

type RelayMessage = { type: "status"; status: ConnectionStatus } | { type: "request_status" };

/** Copies the leader's connection status to the other tabs, over one channel per database. */
export interface StatusRelay {
  /** Asks the leader for its status, as a tab does when it becomes a follower. */
  requestStatus(): void;
}

/**
 * Relays the leader's status to the other tabs. "closed" is not relayed,
 * because a closing leader hands over and the next one reports.
 */
export function relayStatus(
  Channel: BroadcastChannelConstructorLike | undefined,
  channelName: string,
  status: StatusStore,
  isLeader: () => boolean,
  signal: AbortSignal,
): StatusRelay {
  if (Channel === undefined) return { requestStatus() {} };
  const channel = new Channel(channelName);
  const post = (message: RelayMessage) => {
    if (!signal.aborted) channel.postMessage(message);
  };
  const unsubscribe = status.subscribe((current) => {
    if (isLeader() && current !== "closed") post({ type: "status", status: current });
  });
  channel.onmessage = (event: MessageEvent<RelayMessage>) => {
    const message = event.data;
    if (message.type === "request_status" && isLeader()) {
      post({ type: "status", status: status.get() });
    }
    if (message.type === "status" && !isLeader()) status.set(message.status);
  };
  post({ type: "request_status" });
  signal.addEventListener(
    "abort",
    () => {
      unsubscribe();
      channel.close();
    },
    { once: true },
  );
  return { requestStatus: () => post({ type: "request_status" }) };
}
