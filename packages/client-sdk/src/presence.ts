import type { PresenceResponse } from "@syncline/protocol";
import type { Presence } from "./types.ts";

/** The server rejects a `GET /v1/presence` with more ids than this, so larger sets are split. */
const maxIdsPerFetch = 100;

/** Dependencies of the presence store. */
export interface PresenceStoreOptions {
  /** Calls `GET /v1/presence`; resolves null when the server has no such route. */
  fetchPresence(userIds: readonly string[]): Promise<PresenceResponse | null>;
  /** Time between two fetches of the subscribed users that no presence frame reported. */
  pollIntervalMs: number;
  onFetchError(error: unknown): void;
  onListenerError(error: unknown): void;
}

/** A presence entry as a frame or `GET /v1/presence` reports it. */
type PresenceReport = Omit<Presence, "status"> & { status: "online" | "offline" };

/**
 * The last known presence of users, from `presence` frames and on-demand
 * fetches. The server sends frames only about users who share a
 * conversation of at most PRESENCE_MAX_GROUP members, and it sends every
 * such user in a snapshot after `ready`. Subscribed users that no frame
 * reported on the current socket are therefore fetched on an interval.
 */
export interface PresenceStore {
  /** Applies a `presence` frame, which also marks the user as reported by frames. */
  applyFrame(entry: PresenceReport): void;
  /** Calls the listener with the users' presence, in the order given, at once and on every change. */
  subscribe(userIds: readonly string[], listener: (presence: Presence[]) => void): () => void;
  /** Fetches every subscribed user again and starts polling, such as after a reconnect. */
  onReady(): void;
  /** Stops polling and clears the users reported by frames, because the socket closed. */
  onSocketClosed(): void;
  close(): void;
}

interface Subscription {
  userIds: readonly string[];
  listener: (presence: Presence[]) => void;
}

export function createPresenceStore(options: PresenceStoreOptions): PresenceStore {
  const known = new Map<string, Presence>();
  const subscriptions = new Set<Subscription>();
  // Users with a frame on the current socket. Frames keep them current, so polls skip them.
  // TODO: drop a user who stops sharing any conversation of at most PRESENCE_MAX_GROUP members,
  // because polls skip them until the next reconnect and their status can go stale meanwhile.
  const reportedByFrames = new Set<string>();
  let pollTimer: ReturnType<typeof setInterval> | undefined;
  // An older server responds 404, so its users stay "unknown" and it is not asked again.
  let routeMissing = false;
  let closed = false;

  const presenceOf = (userId: string): Presence =>
    known.get(userId) ?? { userId, status: "unknown", lastSeenAt: null };

  const subscribedIds = () =>
    new Set([...subscriptions].flatMap((subscription) => subscription.userIds));

  function emit(subscription: Subscription): void {
    try {
      subscription.listener(subscription.userIds.map(presenceOf));
    } catch (error) {
      options.onListenerError(error);
    }
  }

  function apply(entry: PresenceReport): void {
    const previous = known.get(entry.userId);
    if (previous?.status === entry.status && previous.lastSeenAt === entry.lastSeenAt) return;
    const { userId, status, lastSeenAt } = entry;
    known.set(userId, { userId, status, lastSeenAt });
    for (const subscription of subscriptions) {
      if (subscription.userIds.includes(entry.userId)) emit(subscription);
    }
  }

  function fetch(userIds: readonly string[]): void {
    for (let start = 0; start < userIds.length; start += maxIdsPerFetch) {
      fetchChunk(userIds.slice(start, start + maxIdsPerFetch));
    }
  }

  function fetchChunk(userIds: readonly string[]): void {
    if (routeMissing || closed || userIds.length === 0) return;
    options.fetchPresence(userIds).then(
      (response) => {
        if (response === null) {
          routeMissing = true;
          return;
        }
        if (!closed) for (const entry of response.presence) apply(entry);
      },
      (error: unknown) => options.onFetchError(error),
    );
  }

  function poll(): void {
    fetch([...subscribedIds()].filter((userId) => !reportedByFrames.has(userId)));
  }

  function stopPolling(): void {
    clearInterval(pollTimer);
    pollTimer = undefined;
  }

  return {
    applyFrame(entry) {
      reportedByFrames.add(entry.userId);
      apply(entry);
    },
    subscribe(userIds, listener) {
      const subscription = { userIds: [...userIds], listener };
      subscriptions.add(subscription);
      emit(subscription);
      fetch(subscription.userIds.filter((userId) => !known.has(userId)));
      return () => subscriptions.delete(subscription);
    },
    onReady() {
      fetch([...subscribedIds()]);
      stopPolling();
      if (!closed) pollTimer = setInterval(poll, options.pollIntervalMs);
    },
    onSocketClosed() {
      stopPolling();
      reportedByFrames.clear();
    },
    close() {
      closed = true;
      stopPolling();
      subscriptions.clear();
    },
  };
}
