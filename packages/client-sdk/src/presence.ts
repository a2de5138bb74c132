import type { PresenceResponse } from "@syncline/protocol";
import type { Presence } from "./types.ts";

/** Dependencies of the presence store. */
export interface PresenceStoreOptions {
  /** Calls `GET /v1/presence`; resolves null when the server has no such route. */
  fetchPresence(userIds: readonly string[]): Promise<PresenceResponse | null>;
  onFetchError(error: unknown): void;
  onListenerError(error: unknown): void;
}

/** The last known presence of users, from `presence` frames and on-demand fetches. */
export interface PresenceStore {
  apply(entry: { userId: string; status: "online" | "offline"; lastSeenAt: string | null }): void;
  /** Calls the listener with the users' presence, in the order given, at once and on every change. */
  subscribe(userIds: readonly string[], listener: (presence: Presence[]) => void): () => void;
  /** Fetches every subscribed user again, such as after a reconnect. */
  refresh(): void;
  close(): void;
}

interface Subscription {
  userIds: readonly string[];
  listener: (presence: Presence[]) => void;
}

export function createPresenceStore(options: PresenceStoreOptions): PresenceStore {
  const known = new Map<string, Presence>();
  const subscriptions = new Set<Subscription>();
  // An older server responds 404, so its users stay "unknown" and it is not asked again.
  let routeMissing = false;
  let closed = false;

  const presenceOf = (userId: string): Presence =>
    known.get(userId) ?? { userId, status: "unknown", lastSeenAt: null };

  function emit(subscription: Subscription): void {
    try {
      subscription.listener(subscription.userIds.map(presenceOf));
    } catch (error) {
      options.onListenerError(error);
    }
  }

  function apply(entry: Omit<Presence, "status"> & { status: "online" | "offline" }): void {
    const previous = known.get(entry.userId);
    if (previous?.status === entry.status && previous.lastSeenAt === entry.lastSeenAt) return;
    const { userId, status, lastSeenAt } = entry;
    known.set(userId, { userId, status, lastSeenAt });
    for (const subscription of subscriptions) {
      if (subscription.userIds.includes(entry.userId)) emit(subscription);
    }
  }

  function fetch(userIds: readonly string[]): void {
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

  return {
    apply,
    subscribe(userIds, listener) {
      const subscription = { userIds: [...userIds], listener };
      subscriptions.add(subscription);
      emit(subscription);
      fetch(subscription.userIds.filter((userId) => !known.has(userId)));
      return () => subscriptions.delete(subscription);
    },
    refresh() {
      const userIds = new Set([...subscriptions].flatMap((subscription) => subscription.userIds));
      fetch([...userIds]);
    },
    close() {
      closed = true;
      subscriptions.clear();
    },
  };
}
