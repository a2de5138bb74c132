/** Entries kept before old ones are swept. */
const sweepThreshold = 10_000;

/**
 * Lets through at most one typing relay per user and conversation per
 * interval. Typing frames beyond that are dropped silently.
 */
export class TypingLimiter {
  readonly #lastRelayMs = new Map<string, number>();
  readonly #intervalMs: number;
  readonly #now: () => number;

  constructor(intervalMs = 1000, now: () => number = Date.now) {
    this.#intervalMs = intervalMs;
    this.#now = now;
  }

  /** Tells whether a relay may go out now, and counts it when it may. */
  allow(userId: string, conversationId: string): boolean {
    const now = this.#now();
    const key = `${userId}\n${conversationId}`;
    const last = this.#lastRelayMs.get(key);
    if (last !== undefined && now - last < this.#intervalMs) return false;
    if (this.#lastRelayMs.size >= sweepThreshold) this.#sweep(now);
    this.#lastRelayMs.set(key, now);
    return true;
  }

  #sweep(now: number): void {
    for (const [key, last] of this.#lastRelayMs) {
      if (now - last >= this.#intervalMs) this.#lastRelayMs.delete(key);
    }
  }
}
