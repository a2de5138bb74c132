import { liveQuery } from "dexie";
import type { BroadcastChannelConstructorLike } from "./broadcast.ts";
import type { SynclineDb } from "./db.ts";
import { createClientIdGenerator } from "./ids.ts";
import { createLeaderHeartbeat } from "./leader-heartbeat.ts";
import type { Logger } from "./logger.ts";
import type { StatusStore } from "./status.ts";
import { relayStatus } from "./status-relay.ts";

/** The part of the browser's Web Locks `LockManager` the client uses. */
export interface LockManagerLike {
  /**
   * With `steal: true` the lock is granted at once, and the promise of the
   * tab that held it rejects with an `AbortError`. Browsers reject a request
   * that has both `steal` and `signal`.
   */
  request(
    name: string,
    options: { signal?: AbortSignal; steal?: boolean },
    callback: () => Promise<void>,
  ): Promise<unknown>;
}

/** Returns `navigator.locks`, or undefined where there is none (Node, old engines). */
export function defaultLockManager(): LockManagerLike | undefined {
  const locks = (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks;
  return typeof locks?.request === "function" ? locks : undefined;
}

/** Options of {@link electTabLeader}. */
export interface TabLeaderOptions {
  db: SynclineDb;
  /** Undefined makes this tab its own leader at once, as on a memory backend. */
  locks: LockManagerLike | undefined;
  /** Undefined turns off the status relay and the heartbeat, so a hung leader is not replaced. */
  BroadcastChannel: BroadcastChannelConstructorLike | undefined;
  /** How often the leader sends a heartbeat to the other tabs. */
  heartbeatIntervalMs: number;
  status: StatusStore;
  logger: Logger;
  /** Aborted by `close()`: releases the lock, or stops waiting for it. */
  signal: AbortSignal;
  /** Starts the socket and the loops; called each time this tab becomes the leader. */
  onLeader(): void;
  /** Stops the socket and the loops at once; called when another tab took the lock. */
  onFollower(): void;
  /** Called on every change to the pending outbox while this tab leads, from any tab. */
  onOutboxChange(): void;
}

/** This tab's part in the election, from {@link electTabLeader}. */
export interface TabLeader {
  isLeader(): boolean;
  /**
   * Releases the lock and becomes a follower that waits in line again, as
   * a tab does before the browser freezes it. Does nothing on a follower or
   * without Web Locks.
   */
  resign(): void;
}

/** One stretch of leadership, from the grant of the lock to its release or loss. */
interface Term {
  release(): void;
  unwatch(): void;
}

/**
 * Makes one tab per database the leader, which opens the WebSocket and runs
 * the push and pull loops. The others read the shared IndexedDB, which Dexie
 * keeps live across tabs, and queue their sends in the shared outbox.
 *
 * The leader holds the Web Lock `syncline-leader:<database>` until it closes
 * or its tab dies, and the browser then grants the lock to the next tab in
 * line. A frozen or hung leader keeps the lock, so the leader also sends a
 * heartbeat, and a follower that hears none and gets no answer to a probe
 * takes the lock with `steal`. The tab it was stolen from becomes a follower
 * as soon as it runs again. See SPEC.md for the states and the races.
 */
export function electTabLeader(options: TabLeaderOptions): TabLeader {
  const { db, locks, signal, logger } = options;
  let term: Term | null = null;
  let waiting: AbortController | null = null;
  const isLeader = () => term !== null;

  const beginTerm = (release: () => void): Term => {
    const current: Term = { release, unwatch: () => {} };
    term = current;
    options.onLeader();
    const watch = liveQuery(() => db.outbox.where("state").equals("pending").primaryKeys());
    const subscription = watch.subscribe({ next: () => options.onOutboxChange() });
    current.unwatch = () => subscription.unsubscribe();
    return current;
  };

  signal.addEventListener(
    "abort",
    () => {
      waiting?.abort();
      term?.unwatch();
      term?.release();
      term = null;
    },
    { once: true },
  );

  if (locks === undefined) {
    beginTerm(() => {});
    return { isLeader, resign() {} };
  }

  const lockName = `syncline-leader:${db.name}`;
  const relay = relayStatus(
    options.BroadcastChannel,
    `syncline-status:${db.name}`,
    options.status,
    isLeader,
    signal,
  );

  /** Ends a term whose lock was stolen, that a later leader's heartbeat showed lost, or resigned. */
  const endTerm = (ended: Term, reason: "lock_stolen" | "newer_leader" | "resigned") => {
    if (term !== ended) return;
    term = null;
    ended.unwatch();
    ended.release();
    if (reason === "resigned") {
      logger.info("This tab stopped leading sync before the browser freezes it.", {
        database: db.name,
      });
    } else {
      logger.warn("This tab stopped leading sync, because another tab took over.", {
        database: db.name,
        reason,
      });
    }
    options.onFollower();
    relay.requestStatus();
    follow();
  };

  const heartbeat =
    options.BroadcastChannel === undefined
      ? undefined
      : createLeaderHeartbeat({
          channel: new options.BroadcastChannel(`syncline-heartbeat:${db.name}`),
          tabId: createClientIdGenerator()(),
          intervalMs: options.heartbeatIntervalMs,
          signal,
          onLeaderSilent: () => steal(),
          onNewerLeader: () => {
            if (term !== null) endTerm(term, "newer_leader");
          },
        });

  const request = (lockOptions: { signal?: AbortSignal; steal?: boolean }) => {
    let granted: Term | null = null;
    const grant = () => {
      if (signal.aborted || term !== null) return Promise.resolve();
      waiting = null;
      logger.info("This tab now leads sync for its user.", {
        database: db.name,
        stolen: lockOptions.steal === true,
      });
      return new Promise<void>((release) => {
        granted = beginTerm(release);
        heartbeat?.lead(Date.now());
      });
    };
    locks.request(lockName, lockOptions, grant).catch((error: unknown) => {
      // After a grant, only a steal rejects the request: the lock is gone already.
      if (granted !== null) endTerm(granted, "lock_stolen");
      else if (!isAbortError(error)) logger.error("Tab leader election failed.", { error });
    });
  };

  /** Waits in line for the lock, as a follower does. */
  const follow = () => {
    if (signal.aborted) return;
    waiting = new AbortController();
    request({ signal: waiting.signal });
    heartbeat?.follow();
  };

  /** Takes the lock from a leader that stopped replying. */
  const steal = () => {
    if (signal.aborted || term !== null) return;
    logger.warn("The leader tab stopped replying to probes; this tab takes the lock from it.", {
      database: db.name,
    });
    waiting?.abort();
    waiting = null;
    request({ steal: true });
  };

  follow();
  return {
    isLeader,
    resign() {
      if (term !== null) endTerm(term, "resigned");
    },
  };
}

function isAbortError(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === "AbortError";
}
