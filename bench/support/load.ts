import { monotonicMs } from "./stats.ts";

/** Acked ops of a run, its length and its rate. */
export interface LoadResult {
  ops: number;
  requests: number;
  elapsedMs: number;
  opsPerSec: number;
  /** Milliseconds from each request's start to its reply. */
  latenciesMs: number[];
}

/** Options of {@link runClosedLoop}. */
export interface ClosedLoopOptions {
  workers: number;
  durationMs: number;
  /** A bound on requests, whatever the time. */
  maxRequests: number;
  /** Sends one request for `worker` and resolves with the ops it acked. */
  request: (worker: number) => Promise<number>;
}

/**
 * Runs `workers` loops that each send the next request when the last one
 * has its reply, until `durationMs` has passed or `maxRequests` were sent.
 */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<LoadResult> {
  const started = monotonicMs();
  const deadline = started + options.durationMs;
  const latenciesMs: number[] = [];
  let requests = 0;
  let ops = 0;

  const worker = async (index: number) => {
    while (monotonicMs() < deadline && requests < options.maxRequests) {
      requests += 1;
      const sent = monotonicMs();
      // Awaited first: `ops += await x` would read `ops` before the await and lose other workers' adds.
      const acked = await options.request(index);
      ops += acked;
      latenciesMs.push(monotonicMs() - sent);
    }
  };
  await Promise.all(Array.from({ length: options.workers }, (_, index) => worker(index)));

  const elapsedMs = monotonicMs() - started;
  return { ops, requests, elapsedMs, opsPerSec: (ops * 1000) / elapsedMs, latenciesMs };
}

/** Options of {@link runOpenLoop}. */
export interface OpenLoopOptions {
  ratePerSec: number;
  durationMs: number;
  /** Requests in flight at most; a send due past it is counted as skipped. */
  maxInFlight: number;
  /** Sends request number `index`; `scheduledMs` is its planned start on the monotonic clock. */
  request: (index: number, scheduledMs: number) => Promise<void>;
}

/**
 * Sends requests on a fixed schedule whatever the replies, so that a slow
 * reply delays no later send. Latency is counted from the planned start,
 * so a stalled sender shows up in the figures.
 */
export async function runOpenLoop(
  options: OpenLoopOptions,
): Promise<{ sent: number; skipped: number; latenciesMs: number[] }> {
  const started = monotonicMs();
  const intervalMs = 1000 / options.ratePerSec;
  const total = Math.floor((options.durationMs / 1000) * options.ratePerSec);
  const latenciesMs: number[] = [];
  const inFlight = new Set<Promise<void>>();
  let skipped = 0;

  for (let index = 0; index < total; index++) {
    const scheduledMs = started + index * intervalMs;
    const waitMs = scheduledMs - monotonicMs();
    if (waitMs > 1) await new Promise((resolve) => setTimeout(resolve, waitMs));
    if (inFlight.size >= options.maxInFlight) {
      skipped += 1;
      continue;
    }
    const pending: Promise<void> = options
      .request(index, scheduledMs)
      .then(() => {
        latenciesMs.push(monotonicMs() - scheduledMs);
      })
      .finally(() => inFlight.delete(pending));
    inFlight.add(pending);
  }
  await Promise.all(inFlight);
  return { sent: total - skipped, skipped, latenciesMs };
}
