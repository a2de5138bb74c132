import type { OutboxRow, SynclineDb } from "./db.ts";
import type { StatusStore } from "./status.ts";

/** Latencies kept for the percentiles: the most recent acks only. */
const latencyWindowSize = 200;

/** Figures about this client's sync, for the app to show or report. */
export interface ClientMetrics {
  /** Messages in the outbox waiting for their ack. Failed ones are not counted. */
  outboxDepth: number;
  /** Age of the oldest pending message by this device's clock, or null when none waits. */
  oldestPendingAgeMs: number | null;
  /** Time from `send` to the ack, by this device's clock, over the most recent acks. */
  sendToAck: {
    lastMs: number | null;
    p50Ms: number | null;
    p99Ms: number | null;
    /** Acks in the window behind the percentiles, at most 200. */
    count: number;
  };
  /** Times the socket came back online after having been online before. */
  reconnects: number;
}

/** Reads the client's metrics on demand. */
export interface MetricsTracker {
  read(): Promise<ClientMetrics>;
}

/**
 * Follows acks through the outbox's delete hook (an ack deletes a pending
 * row in the same transaction that stores the event) and reconnects
 * through the status store.
 */
export function trackClientMetrics(
  db: SynclineDb,
  status: StatusStore,
  now: () => number = Date.now,
): MetricsTracker {
  const latenciesMs: number[] = [];
  let lastMs: number | null = null;
  let reconnects = 0;
  let wasOnline = false;
  let offlineSinceOnline = false;

  db.outbox.hook("deleting", function (_key, row: OutboxRow) {
    // Only a pending row leaves the outbox by an ack; a failed row leaves by discard.
    if (row.state !== "pending") return;
    this.onsuccess = () => {
      lastMs = Math.max(0, now() - Date.parse(row.createdAt));
      latenciesMs.push(lastMs);
      if (latenciesMs.length > latencyWindowSize) latenciesMs.shift();
    };
  });
  status.subscribe((current) => {
    if (current !== "online") {
      offlineSinceOnline = wasOnline;
      return;
    }
    if (offlineSinceOnline) reconnects += 1;
    wasOnline = true;
    offlineSinceOnline = false;
  });

  return {
    async read() {
      // Two collections, because Dexie's first() narrows the collection it is called on.
      const pending = () => db.outbox.where("state").equals("pending");
      const [outboxDepth, oldest] = await Promise.all([pending().count(), pending().first()]);
      const sorted = [...latenciesMs].sort((a, b) => a - b);
      return {
        outboxDepth,
        oldestPendingAgeMs: oldest === undefined ? null : now() - Date.parse(oldest.createdAt),
        sendToAck: {
          lastMs,
          p50Ms: percentile(sorted, 0.5),
          p99Ms: percentile(sorted, 0.99),
          count: sorted.length,
        },
        reconnects,
      };
    },
  };
}

/** Nearest-rank percentile of sorted values, or null when there are none. */
function percentile(sorted: readonly number[], fraction: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.max(0, rank - 1)] ?? null;
}
