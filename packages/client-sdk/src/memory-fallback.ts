import type { IndexedDbSource } from "./db.ts";

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

/** An IndexedDB source for Dexie's constructor whose implementation can change between opens. */
export interface SwitchableIndexedDb {
  /** Pass to `new Dexie(name, source)`: each member forwards to the current implementation. */
  readonly source: Required<IndexedDbSource>;
  /** Makes every later call go to `next`; call it only while the database is closed. */
  switchTo(next: Required<IndexedDbSource>): void;
}

/**
 * Creates the source that lets the client fall back to memory on the same
 * Dexie instance, so that every module holding `db` keeps working after the
 * next open. Starts on `initial`, or on the global `indexedDB`. Key ranges
 * must come from the same implementation as the factory, so both switch
 * together.
 */
export function createSwitchableIndexedDb(initial: IndexedDbSource): SwitchableIndexedDb {
  let current: IndexedDbSource = {
    indexedDB: initial.indexedDB ?? globalThis.indexedDB,
    IDBKeyRange: initial.IDBKeyRange ?? globalThis.IDBKeyRange,
  };
  const missing = () =>
    new DOMException("No IndexedDB implementation is available.", "MissingAPIError");
  const indexedDB = forward(() => current.indexedDB, missing) as IDBFactory;
  const IDBKeyRange = forward(() => current.IDBKeyRange, missing) as typeof globalThis.IDBKeyRange;
  return {
    source: { indexedDB, IDBKeyRange },
    switchTo(next) {
      current = next;
    },
  };
}

/**
 * Returns an object whose properties are read from `target()` at each
 * access, with methods bound to it. Accessing a property throws `missing()`
 * while there is no target.
 */
function forward(target: () => object | undefined, missing: () => Error): object {
  const resolve = () => {
    const value = target();
    if (value === undefined) throw missing();
    return value;
  };
  return new Proxy(
    {},
    {
      get(_, key) {
        const object = resolve();
        const value: unknown = Reflect.get(object, key);
        return typeof value === "function" ? value.bind(object) : value;
      },
      has(_, key) {
        const object = target();
        return object !== undefined && Reflect.has(object, key);
      },
    },
  );
}
