import type { ServerMetrics } from "./server-metrics.ts";

/** Called once a frame's write to a socket has completed, with the error when it failed. */
export type SentCallback = (error?: Error | null) => void;

/** Receiver of the socket hub's events about its sockets and the frames it fans out. */
export interface HubObserver {
  /** An authenticated socket of `userId` joined the hub. */
  socketAdded(userId: string): void;
  /** A socket of `userId` left the hub. */
  socketRemoved(userId: string): void;
  /**
   * A frame is about to be written to one socket. `publishedAtMs` is set
   * for notify frames: the time the commit was handed to fanout.
   */
  frameQueued(publishedAtMs?: number): SentCallback;
}

/** A user who reconnects within this window counts as a reconnect. */
const reconnectWindowMs = 60_000;

/**
 * Feeds the hub's metrics: open connections, reconnects, frames whose
 * socket write is still pending, and the delivery latency of notify frames
 * against the SLO.
 */
export class HubMeter implements HubObserver {
  readonly #metrics: ServerMetrics;
  readonly #deliverySloMs: number;
  readonly #now: () => number;
  readonly #openByUser = new Map<string, number>();
  /** When each user's last socket closed, oldest first, pruned past the reconnect window. */
  readonly #lastClosedAtMs = new Map<string, number>();
  /** Start times of pending writes. A Set iterates in insertion order, so the first is the oldest. */
  readonly #pending = new Set<{ queuedAtMs: number }>();
  readonly #deliveryResults: Record<"on_time" | "late" | "failed", { inc(): void }>;

  constructor(metrics: ServerMetrics, deliverySloMs: number, now: () => number = Date.now) {
    this.#metrics = metrics;
    // Bound once, so a delivery skips the label lookup that `inc({ result })` does.
    this.#deliveryResults = {
      on_time: metrics.deliveries.labels({ result: "on_time" }),
      late: metrics.deliveries.labels({ result: "late" }),
      failed: metrics.deliveries.labels({ result: "failed" }),
    };
    this.#deliverySloMs = deliverySloMs;
    this.#now = now;
    metrics.beforeScrape.add(() => this.#refreshPending());
  }

  socketAdded(userId: string): void {
    this.#prune();
    const open = this.#openByUser.get(userId) ?? 0;
    if (open > 0 || this.#lastClosedAtMs.has(userId)) this.#metrics.reconnects.inc();
    this.#openByUser.set(userId, open + 1);
    this.#metrics.connections.inc();
  }

  socketRemoved(userId: string): void {
    const open = (this.#openByUser.get(userId) ?? 1) - 1;
    if (open > 0) {
      this.#openByUser.set(userId, open);
    } else {
      this.#openByUser.delete(userId);
      // Deleting first moves the user to the end, which keeps the map ordered by time.
      this.#lastClosedAtMs.delete(userId);
      this.#lastClosedAtMs.set(userId, this.#now());
    }
    this.#metrics.connections.dec();
    this.#prune();
  }

  frameQueued(publishedAtMs?: number): SentCallback {
    const entry = { queuedAtMs: this.#now() };
    this.#pending.add(entry);
    let done = false;
    return (error) => {
      if (done) return;
      done = true;
      this.#pending.delete(entry);
      if (publishedAtMs !== undefined) this.#recordDelivery(publishedAtMs, error);
    };
  }

  #recordDelivery(publishedAtMs: number, error: Error | null | undefined): void {
    // `ws` reports a completed write with null, not undefined.
    if (error !== undefined && error !== null) {
      this.#deliveryResults.failed.inc();
      return;
    }
    const latencyMs = Math.max(0, this.#now() - publishedAtMs);
    this.#metrics.deliverySeconds.observe(latencyMs / 1000);
    const result = latencyMs <= this.#deliverySloMs ? "on_time" : "late";
    this.#deliveryResults[result].inc();
  }

  #refreshPending(): void {
    this.#metrics.fanoutPendingFrames.set(this.#pending.size);
    const oldest = this.#pending.values().next();
    const ageMs = oldest.done ? 0 : this.#now() - oldest.value.queuedAtMs;
    this.#metrics.fanoutOldestPendingSeconds.set(ageMs / 1000);
  }

  #prune(): void {
    const cutoffMs = this.#now() - reconnectWindowMs;
    for (const [userId, closedAtMs] of this.#lastClosedAtMs) {
      if (closedAtMs >= cutoffMs) return;
      this.#lastClosedAtMs.delete(userId);
    }
  }
}
