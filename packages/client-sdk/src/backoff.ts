/** Bounds of an exponential backoff, in milliseconds. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const defaultBackoff: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

/**
 * Returns the delay before retry number `attempt` (0 for the first retry):
 * a uniform draw from [0, min(maxMs, baseMs * 2^attempt)), the "full jitter"
 * that spreads clients apart after a shared outage. A server's Retry-After
 * is a floor, with up to `baseMs` of jitter on top so clients do not return
 * in the same millisecond.
 */
export function backoffDelayMs(
  attempt: number,
  options: BackoffOptions,
  random: () => number,
  retryAfterMs?: number,
): number {
  const exponent = Math.min(Math.max(0, attempt), 30);
  const ceilingMs = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  const jitteredMs = Math.floor(random() * ceilingMs);
  if (retryAfterMs === undefined) return jitteredMs;
  return Math.max(jitteredMs, retryAfterMs + Math.floor(random() * options.baseMs));
}

/** WebSocket close codes that change the reconnect delay. */
const serviceRestartCode = 1012;
const tryLaterCode = 4429;

/**
 * Returns the delay before reconnect number `attempt` after a socket closed
 * with `closeCode`. A restart (1012) spreads clients over at least 8 base
 * delays so a restarted node is not hit by all of them at once; "try later"
 * (4429) starts at 32 base delays. Both are still capped at `maxMs`.
 */
export function reconnectDelayMs(
  attempt: number,
  closeCode: number | undefined,
  options: BackoffOptions,
  random: () => number,
): number {
  if (closeCode === serviceRestartCode) {
    return backoffDelayMs(Math.max(attempt, 3), options, random);
  }
  if (closeCode === tryLaterCode) return backoffDelayMs(Math.max(attempt, 5), options, random);
  return backoffDelayMs(attempt, options, random);
}
