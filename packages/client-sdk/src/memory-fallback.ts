import type { IndexedDbSource, SynclineDb } from "./db.ts";

/** Loads an in-memory IndexedDB implementation, used when the browser's cannot be opened. */
export type MemoryIndexedDbLoader = () => Promise<Required<IndexedDbSource>>;

/**
 * Loads fake-indexeddb on demand, so that bundles load it as a separate
 * chunk only on the pages that need it.
 */
export const loadFakeIndexedDb: MemoryIndexedDbLoader = async () => {
  const { IDBFactory, IDBKeyRange } = await import("fake-indexeddb");
  return { indexedDB: new IDBFactory() as IDBFactory, IDBKeyRange };
};

/**
 * Points a closed database at another IndexedDB implementation, so that
 * every module holding `db` keeps working on the new backend after the next
 * open.
 * NOTE: this sets Dexie's internal `_deps`, which `Dexie.open` reads on each
 * open in Dexie 4.x; a Dexie upgrade must keep that field or this must change.
 */
export function switchBackend(db: SynclineDb, source: Required<IndexedDbSource>): void {
  const internal = db as unknown as { _deps: IndexedDbSource };
  internal._deps = { indexedDB: source.indexedDB, IDBKeyRange: source.IDBKeyRange };
}
