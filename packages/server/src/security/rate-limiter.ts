import type { RateSetting } from "./security-config.ts";

/** Keys kept before full buckets are swept. */
const sweepThreshold = 10_000;

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** The outcome of {@link RateLimiter.take}. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * Token buckets by key (a user id or an IP address). Each bucket starts
 * full at `burst` tokens and refills at `perSecond`, so a key may spend a
 * burst at once and then the steady rate.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #setting: RateSetting;
  readonly #now: () => number;

  constructor(setting: RateSetting, now: () => number = Date.now) {
    this.#setting = setting;
    this.#now = now;
  }

  /**
   * Takes `cost` tokens from the key's bucket when it contains that many. A cost
   * above the burst is charged as the burst, so it passes once the bucket is full.
   */
  take(key: string, cost = 1): RateDecision {
    const nowMs = this.#now();
    const bucket = this.#refill(key, nowMs);
    const needed = Math.min(cost, this.#setting.burst);
    if (bucket.tokens >= needed) {
      bucket.tokens -= needed;
      return { allowed: true };
    }
    const missing = needed - bucket.tokens;
    return { allowed: false, retryAfterMs: Math.ceil((missing / this.#setting.perSecond) * 1000) };
  }

  #refill(key: string, nowMs: number): Bucket {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= sweepThreshold) this.#sweep(nowMs);
      bucket = { tokens: this.#setting.burst, updatedMs: nowMs };
      this.#buckets.set(key, bucket);
      return bucket;
    }
    const elapsedS = Math.max(0, nowMs - bucket.updatedMs) / 1000;
    bucket.tokens = Math.min(
      this.#setting.burst,
      bucket.tokens + elapsedS * this.#setting.perSecond,
    );
    bucket.updatedMs = nowMs;
    return bucket;
  }

  /** Drops the buckets that have refilled, since a new bucket starts full anyway. */
  #sweep(nowMs: number): void {
    for (const [key, bucket] of this.#buckets) {
      const elapsedS = (nowMs - bucket.updatedMs) / 1000;
      if (bucket.tokens + elapsedS * this.#setting.perSecond >= this.#setting.burst) {
        this.#buckets.delete(key);
      }
    }
  }
}
