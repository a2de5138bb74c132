import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Latency buckets in seconds, from 5 ms to 10 s. */
const latencyBucketsSeconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Buckets up to 10 minutes, because pulled events include time the device was offline. */
const deviceLatencyBucketsSeconds = [...latencyBucketsSeconds, 30, 60, 300, 600];

/**
 * The server's Prometheus metrics, in a registry of their own, so several
 * servers in one process (as in tests) never share or collide on series.
 */
export interface ServerMetrics {
  readonly registry: Registry;
  /** Time from a push request's arrival to its response, by request-level code. */
  readonly pushSeconds: Histogram<"code">;
  /** Push requests by result code: `ok` or the error code of the whole request. */
  readonly pushes: Counter<"code">;
  /** Pushed ops by result: `ok`, `duplicate` or the op's error code. */
  readonly pushOps: Counter<"code">;
  /** Pull requests by kind (`page` or `batch`) and result code. */
  readonly pulls: Counter<"kind" | "code">;
  /** Time from a commit's fanout to the notify frame written to a member's socket. */
  readonly deliverySeconds: Histogram;
  /** Notify frames to online members: `on_time` within the SLO, `late`, or `failed`. */
  readonly deliveries: Counter<"result">;
  /** Time from an event's commit to its storage on a recipient's device, as the SDK reports it. */
  readonly deviceDeliverySeconds: Histogram<"via">;
  /** Authenticated sockets open now. */
  readonly connections: Gauge;
  /** Auth frames from users who had a socket open within the last minute. */
  readonly reconnects: Counter;
  /** Frames handed to sockets whose write has not completed yet. */
  readonly fanoutPendingFrames: Gauge;
  /** Age of the oldest such frame, or 0 when none waits. */
  readonly fanoutOldestPendingSeconds: Gauge;
  /** Store calls that failed, by kind: `unavailable`, `conflict` or `other`. */
  readonly storeErrors: Counter<"kind">;
  /** Run before each scrape, to set gauges that change with time alone. */
  readonly beforeScrape: Set<() => void>;
}

/** Creates the metrics in a new registry, with Node's process metrics beside them. */
export function createServerMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    pushSeconds: new Histogram({
      name: "syncline_push_duration_seconds",
      help: "Time from a push request's arrival to its response (push to ack), by result code.",
      labelNames: ["code"],
      buckets: latencyBucketsSeconds,
      registers,
    }),
    pushes: new Counter({
      name: "syncline_pushes_total",
      help: "Push requests by result code: ok, or the error code of the whole request.",
      labelNames: ["code"],
      registers,
    }),
    pushOps: new Counter({
      name: "syncline_push_ops_total",
      help: "Pushed ops by result: ok, duplicate, or the op's error code.",
      labelNames: ["code"],
      registers,
    }),
    pulls: new Counter({
      name: "syncline_pulls_total",
      help: "Pull requests by kind (page or batch) and result code.",
      labelNames: ["kind", "code"],
      registers,
    }),
    deliverySeconds: new Histogram({
      name: "syncline_delivery_duration_seconds",
      help: "Time from a commit's fanout to its notify frame written to a member's socket.",
      buckets: latencyBucketsSeconds,
      registers,
    }),
    deliveries: new Counter({
      name: "syncline_deliveries_total",
      help: "Notify frames to online members' sockets: on_time within the SLO, late, or failed.",
      labelNames: ["result"],
      registers,
    }),
    deviceDeliverySeconds: new Histogram({
      name: "syncline_device_delivery_duration_seconds",
      help: "Time from an event's commit to its storage on a recipient's device, reported by the SDK, by how the device received it (notify or pull).",
      labelNames: ["via"],
      buckets: deviceLatencyBucketsSeconds,
      registers,
    }),
    connections: new Gauge({
      name: "syncline_websocket_connections",
      help: "Authenticated WebSocket connections open now.",
      registers,
    }),
    reconnects: new Counter({
      name: "syncline_websocket_reconnects_total",
      help: "Auth frames from users who had a socket open within the last minute.",
      registers,
    }),
    fanoutPendingFrames: new Gauge({
      name: "syncline_fanout_pending_frames",
      help: "Fanout frames handed to sockets whose write has not completed yet.",
      registers,
    }),
    fanoutOldestPendingSeconds: new Gauge({
      name: "syncline_fanout_oldest_pending_seconds",
      help: "Age of the oldest fanout frame whose write has not completed, or 0.",
      registers,
    }),
    storeErrors: new Counter({
      name: "syncline_store_errors_total",
      help: "Store calls that failed, by kind: unavailable, conflict or other.",
      labelNames: ["kind"],
      registers,
    }),
    beforeScrape: new Set(),
  };
}

/** Renders every metric in the Prometheus text format, after refreshing time-based gauges. */
export function scrapeMetrics(metrics: ServerMetrics): Promise<string> {
  for (const refresh of metrics.beforeScrape) refresh();
  return metrics.registry.metrics();
}
