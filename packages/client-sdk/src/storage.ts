import { openWithTimeout, type SynclineDb, toStorageError } from "./db.ts";
import { SyncError } from "./errors.ts";
import type { Logger } from "./logger.ts";
import type { MemoryIndexedDbLoader, SwitchableIndexedDb } from "./memory-fallback.ts";
import { reopenOnConnectionLoss } from "./reopen-on-loss.ts";
import type { StorageStatusStore } from "./storage-status.ts";

/** The memory fallback of the storage and the store that reports where data is kept. */
export interface StorageFallback {
  /** Undefined keeps the client on IndexedDB only: `send` then rejects when it cannot open. */
  loadMemory: MemoryIndexedDbLoader | undefined;
  /** The source the database was constructed with, switched to memory on fallback. */
  backend: SwitchableIndexedDb;
  status: StorageStatusStore;
}

/** Guards the app's writes to IndexedDB against engines that hang, lose the connection or fill up. */
export interface Storage {
  /** Resolves once the database is open; rejects with `storage_unavailable` if it never opens. */
  ready(): Promise<void>;
  /**
   * Runs a write. A failure other than a full disk closes the handle,
   * reopens it and runs the write once more, since some engines lose the
   * connection after the page was in the background.
   */
  write<T>(action: string, run: () => Promise<T>): Promise<T>;
}

export function createStorage(
  db: SynclineDb,
  openTimeoutMs: number,
  logger: Logger,
  fallback?: StorageFallback,
): Storage {
  let upgradedElsewhere = false;
  let opening: Promise<void> | undefined;
  reopenOnConnectionLoss(db, logger);

  db.on("versionchange", () => {
    upgradedElsewhere = true;
    logger.warn(
      "Another tab is upgrading the database; this client stopped using it. Reload the page.",
    );
  });

  const ready = (): Promise<void> => {
    opening ??= openOrFallBack(db, openTimeoutMs, logger, fallback);
    return opening;
  };

  const unavailableAfterUpgrade = () =>
    new SyncError(
      "storage_unavailable",
      "Another tab upgraded the database, so this tab can no longer write to it; reload the page.",
    );

  return {
    ready,
    async write(action, run) {
      await ready();
      if (upgradedElsewhere) throw unavailableAfterUpgrade();
      try {
        return await run();
      } catch (error) {
        // A SyncError comes from the write's own checks, such as a message that is not failed.
        if (error instanceof SyncError) throw error;
        const failure = toStorageError(error, action);
        if (failure.code === "storage_full") throw failure;
        if (upgradedElsewhere) throw unavailableAfterUpgrade();
        logger.warn("Storage write failed; reopening the database and trying once more.", {
          code: failure.code,
        });
        db.close({ disableAutoOpen: false });
        opening = openWithTimeout(db, openTimeoutMs);
        await opening;
        try {
          return await run();
        } catch (second) {
          throw toStorageError(second, action);
        }
      }
    },
  };
}

/**
 * Opens IndexedDB and, when it cannot be opened, switches the database to an
 * in-memory backend so the client still sends while online. The status
 * store reports which backend is in use and why.
 */
async function openOrFallBack(
  db: SynclineDb,
  openTimeoutMs: number,
  logger: Logger,
  fallback: StorageFallback | undefined,
): Promise<void> {
  try {
    await openWithTimeout(db, openTimeoutMs);
    fallback?.status.update({ backend: "indexeddb" });
    return;
  } catch (error) {
    if (fallback?.loadMemory === undefined) throw error;
    const failure = toStorageError(error, `opening database ${db.name}`);
    logger.error(
      "IndexedDB cannot be opened; keeping data in memory, so unsent messages are lost on close.",
      { code: failure.code, reason: failure.message },
    );
    fallback.backend.switchTo(await fallback.loadMemory());
    await openWithTimeout(db, openTimeoutMs);
    fallback.status.update({ backend: "memory", error: failure });
  }
}
