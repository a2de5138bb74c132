import type { ConnectionStatus } from "./types.ts";

/** The current connection status and its listeners. */
export interface StatusStore {
  get(): ConnectionStatus;
  set(status: ConnectionStatus): void;
  /** Calls the listener with the current status at once, then on every change. */
  subscribe(listener: (status: ConnectionStatus) => void): () => void;
}

export function createStatusStore(onListenerError: (error: unknown) => void): StatusStore {
  let current: ConnectionStatus = "connecting";
  const listeners = new Set<(status: ConnectionStatus) => void>();

  const call = (listener: (status: ConnectionStatus) => void) => {
    try {
      listener(current);
    } catch (error) {
      onListenerError(error);
    }
  };

  return {
    get: () => current,
    set(status) {
      // "closed" is final: nothing reopens a closed client. "unsupported" gives way only to it.
      if (status === current || current === "closed") return;
      if (current === "unsupported" && status !== "closed") return;
      current = status;
      for (const listener of [...listeners]) call(listener);
    },
    subscribe(listener) {
      listeners.add(listener);
      call(listener);
      return () => listeners.delete(listener);
    },
  };
}
