/**
 * A cache of the latest value of one client subscription, shaped for
 * `useSyncExternalStore`: `getSnapshot` returns the same object until the
 * value really changes, so a component re-renders only on a change.
 */
export interface SnapshotStore<T> {
  subscribe(onChange: () => void): () => void;
  getSnapshot(): T;
}

/** Subscribes a listener to a client's stream of values and returns the unsubscribe call. */
export type Source<T> = (listener: (value: T) => void) => () => void;

/**
 * Creates a store over `source`. The source is subscribed while at least one
 * component listens, and a new value equal to the cached one (compared by
 * `isEqual`) keeps the cached object, so React sees no change.
 */
export function createSnapshotStore<T>(
  source: Source<T>,
  initial: T,
  isEqual: (a: T, b: T) => boolean,
): SnapshotStore<T> {
  let current = initial;
  let unsubscribeSource: (() => void) | undefined;
  const listeners = new Set<() => void>();

  const receive = (value: T) => {
    if (isEqual(current, value)) return;
    current = value;
    for (const listener of [...listeners]) listener();
  };

  return {
    subscribe(onChange) {
      listeners.add(onChange);
      unsubscribeSource ??= source(receive);
      return () => {
        listeners.delete(onChange);
        if (listeners.size > 0) return;
        unsubscribeSource?.();
        unsubscribeSource = undefined;
      };
    },
    getSnapshot: () => current,
  };
}

/**
 * Compares two values made of plain objects, arrays and primitives, such as
 * the SDK's messages and conversation summaries.
 */
export function isDeepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  const aRecord = a as Record<string, unknown>;
  const bRecord = b as Record<string, unknown>;
  return aKeys.every(
    (key) => Object.hasOwn(bRecord, key) && isDeepEqual(aRecord[key], bRecord[key]),
  );
}
