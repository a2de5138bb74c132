/** Percentiles and extremes of a sample, in the sample's unit. */
export interface Summary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Summarises latencies by sorting; the nearest-rank percentile. */
export function summarise(values: readonly number[]): Summary {
  if (values.length === 0) return { count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (fraction: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] as number;
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) as number };
}

/** Milliseconds on the monotonic clock, comparable across processes of one machine. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Rounds for display: three significant digits. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  return Number(value.toPrecision(3));
}

/** Resolves after `ms`; benchmark pacing only, never to wait for an effect. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
