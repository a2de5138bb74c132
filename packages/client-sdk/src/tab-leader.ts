import { liveQuery } from "dexie";
import type { SynclineDb } from "./db.ts";
import type { Logger } from "./logger.ts";
import type { StatusStore } from "./status.ts";
import type { ConnectionStatus } from "./types.ts";

/** The part of the browser's Web Locks `LockManager` the client uses. */
export interface LockManagerLike {
  request(
    name: string,
    options: { signal?: AbortSignal },
    callback: () => Promise<void>,
  ): Promise<unknown>;
}

/** Returns `navigator.locks`, or undefined where there is none (Node, old engines). */
export function defaultLockManager(): LockManagerLike | undefined {
  const locks = (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks;
  return typeof locks?.request === "function" ? locks : undefined;
}

/** Options of {@link electTabLeader}. */
export interface TabLeaderOptions {
  db: SynclineDb;
  /** Undefined makes this tab its own leader at once, as on a memory backend. */
  locks: LockManagerLike | undefined;
  status: StatusStore;
  logger: Logger;
  /** Aborted by `close()`: releases the lock, or stops waiting for it. */
  signal: AbortSignal;
  /** Starts the socket and the loops; called once, when this tab becomes the leader. */
  onLeader(): void;
  /** Called on every change to the pending outbox while this tab leads, from any tab. */
  onOutboxChange(): void;
}

/**
 * Makes one tab per database the leader, which opens the WebSocket and runs
 * the push and pull loops. The others read the shared IndexedDB, which Dexie
 * keeps live across tabs, and queue their sends in the shared outbox. The
 * leader keeps a Web Lock until it closes or its tab dies, and the browser
 * then grants the lock to the next tab, which pushes whatever is queued.
 * The leader relays its connection status to the others over a
 * BroadcastChannel. Returns whether this tab leads.
 */
export function electTabLeader(options: TabLeaderOptions): () => boolean {
  const { db, locks, signal } = options;
  let leading = false;
  const lead = () => {
    leading = true;
    options.onLeader();
    const watch = liveQuery(() => db.outbox.where("state").equals("pending").primaryKeys());
    const subscription = watch.subscribe({ next: () => options.onOutboxChange() });
    signal.addEventListener("abort", () => subscription.unsubscribe(), { once: true });
  };

  if (locks === undefined) {
    lead();
    return () => leading;
  }
  relayStatus(`syncline-status:${db.name}`, options.status, () => leading, signal);
  const held = new Promise<void>((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true }),
  );
  locks
    .request(`syncline-leader:${db.name}`, { signal }, () => {
      if (signal.aborted) return Promise.resolve();
      options.logger.info("This tab now leads sync for its user.", { database: db.name });
      lead();
      return held;
    })
    .catch((error: unknown) => {
      if (!signal.aborted) options.logger.error("Tab leader election failed.", { error });
    });
  return () => leading;
}

type RelayMessage = { type: "status"; status: ConnectionStatus } | { type: "request_status" };

/**
 * Copies the leader's connection status to the other tabs. "closed" is not
 * relayed, because a closing leader hands over and the next one reports.
 */
function relayStatus(
  channelName: string,
  status: StatusStore,
  isLeader: () => boolean,
  signal: AbortSignal,
): void {
  if (typeof BroadcastChannel === "undefined") return;
  const channel = new BroadcastChannel(channelName);
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
}
