import type { DBCore, DBCoreTable } from "dexie";
import type { SynclineDb } from "./db.ts";
import type { Logger } from "./logger.ts";

/** Error names with which engines report a lost IndexedDB connection. */
const lostConnectionNames = new Set(["UnknownError", "InvalidStateError"]);

/** Tells whether an error, or the error inside a Dexie error, reports a lost connection. */
export function isConnectionLost(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const { name, inner } = current as { name?: string; inner?: unknown };
    if (name !== undefined && lostConnectionNames.has(name)) return true;
    current = inner;
  }
  return false;
}

/**
 * Closes the database handle when starting a transaction or a write fails as
 * if the connection were lost, so that Dexie's auto-open opens a new one on the next
 * operation. Some engines keep returning the dead handle after the page was
 * in the background and never fire `close`, so the push and pull loops
 * would otherwise retry on it forever. Must run before the first open.
 */
export function reopenOnConnectionLoss(db: SynclineDb, logger: Logger): void {
  const discardHandle = (error: unknown) => {
    if (!isConnectionLost(error) || !db.isOpen()) return;
    logger.warn("The IndexedDB connection was lost; opening a new one on the next operation.", {
      name: (error as { name?: string }).name,
    });
    db.close({ disableAutoOpen: false });
  };
  const guard = <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return run().catch((error: unknown) => {
        discardHandle(error);
        throw error;
      });
    } catch (error) {
      discardHandle(error);
      throw error;
    }
  };

  db.use({
    stack: "dbcore",
    name: "syncline-reopen-on-connection-loss",
    create(down: DBCore): DBCore {
      return {
        ...down,
        transaction(stores, mode, options) {
          try {
            return down.transaction(stores, mode, options);
          } catch (error) {
            discardHandle(error);
            throw error;
          }
        },
        table(name) {
          const table = down.table(name);
          // Reads are left unwrapped, because wrapping them changed when live queries emitted in
          // tests. A read on a dead handle fails, and the next transaction or write discards it.
          const guarded: DBCoreTable = {
            ...table,
            mutate: (request) => guard(() => table.mutate(request)),
          };
          return guarded;
        },
      };
    },
  });
}
