import type { SyncError } from "./errors.ts";

/**
 * Where the client keeps its data, for an app to show. `indexeddb` survives
 * a reload. `memory` is lost when the page closes, so an app should warn the
 * user that messages still in the outbox then are lost too.
 */
export interface StorageStatus {
  backend: "opening" | "indexeddb" | "memory";
  /**
   * Whether the browser granted persistent storage, which it does not evict
   * under storage pressure. Null until known, or where the browser has no
   * `navigator.storage.persist()`.
   */
  persisted: boolean | null;
  /** Why IndexedDB is not used: `storage_unavailable` while in memory; otherwise null. */
  error: SyncError | null;
}

/** The part of the browser's `StorageManager` the client uses. */
export interface StorageManagerLike {
  persist(): Promise<boolean>;
}

/** The current storage status and its listeners. */
export interface StorageStatusStore {
  get(): StorageStatus;
  update(change: Partial<StorageStatus>): void;
  /** Calls the listener with the current status at once, then on every change. */
  subscribe(listener: (status: StorageStatus) => void): () => void;
}

export function createStorageStatusStore(
  onListenerError: (error: unknown) => void,
): StorageStatusStore {
  let current: StorageStatus = { backend: "opening", persisted: null, error: null };
  const listeners = new Set<(status: StorageStatus) => void>();

  const call = (listener: (status: StorageStatus) => void) => {
    try {
      listener(current);
    } catch (error) {
      onListenerError(error);
    }
  };

  return {
    get: () => current,
    update(change) {
      current = { ...current, ...change };
      for (const listener of [...listeners]) call(listener);
    },
    subscribe(listener) {
      listeners.add(listener);
      call(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Returns the browser's storage manager, or undefined where there is none (Node, old engines). */
export function defaultStorageManager(): StorageManagerLike | undefined {
  const storage = (globalThis.navigator as { storage?: Partial<StorageManagerLike> } | undefined)
    ?.storage;
  return typeof storage?.persist === "function" ? (storage as StorageManagerLike) : undefined;
}

/**
 * Asks the browser to keep this origin's data under storage pressure.
 * Resolves to whether it was granted, or null when it cannot be asked.
 * Browsers may deny it without asking the user, so a denial is not an error.
 */
export async function requestPersistence(
  manager: StorageManagerLike | undefined,
): Promise<boolean | null> {
  if (manager === undefined) return null;
  try {
    return await manager.persist();
  } catch {
    return null;
  }
}
