/** The users typing in each conversation, each entry expiring on its own. */
export interface TypingStore {
  /** Records a `typing` frame: the user types in the conversation for `expiresInMs`. */
  start(conversationId: string, userId: string, expiresInMs: number): void;
  /** Clears a user at once, because their message arrived or they went offline. */
  stop(conversationId: string, userId: string): void;
  /** Clears a user in every conversation. */
  stopEverywhere(userId: string): void;
  /** Clears everything: typing state is never replayed after a reconnect. */
  clear(): void;
  /** Calls the listener with the user ids typing now, at once and on every change. */
  subscribe(conversationId: string, listener: (userIds: string[]) => void): () => void;
  close(): void;
}

export function createTypingStore(onListenerError: (error: unknown) => void): TypingStore {
  const timers = new Map<string, Map<string, ReturnType<typeof setTimeout>>>();
  const listeners = new Map<string, Set<(userIds: string[]) => void>>();

  const typingIn = (conversationId: string) => [...(timers.get(conversationId)?.keys() ?? [])];

  function emit(conversationId: string): void {
    const userIds = typingIn(conversationId);
    for (const listener of [...(listeners.get(conversationId) ?? [])]) {
      try {
        listener(userIds);
      } catch (error) {
        onListenerError(error);
      }
    }
  }

  function stop(conversationId: string, userId: string): void {
    const users = timers.get(conversationId);
    const timer = users?.get(userId);
    if (users === undefined || timer === undefined) return;
    clearTimeout(timer);
    users.delete(userId);
    if (users.size === 0) timers.delete(conversationId);
    emit(conversationId);
  }

  function clear(): void {
    const conversationIds = [...timers.keys()];
    for (const users of timers.values()) for (const timer of users.values()) clearTimeout(timer);
    timers.clear();
    for (const conversationId of conversationIds) emit(conversationId);
  }

  return {
    start(conversationId, userId, expiresInMs) {
      const users = timers.get(conversationId) ?? new Map();
      timers.set(conversationId, users);
      const known = users.has(userId);
      clearTimeout(users.get(userId));
      users.set(
        userId,
        setTimeout(() => stop(conversationId, userId), expiresInMs),
      );
      if (!known) emit(conversationId);
    },
    stop,
    stopEverywhere(userId) {
      for (const conversationId of [...timers.keys()]) stop(conversationId, userId);
    },
    clear,
    subscribe(conversationId, listener) {
      const set = listeners.get(conversationId) ?? new Set();
      listeners.set(conversationId, set);
      set.add(listener);
      try {
        listener(typingIn(conversationId));
      } catch (error) {
        onListenerError(error);
      }
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(conversationId);
      };
    },
    close() {
      clear();
      listeners.clear();
    },
  };
}
