import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { backoffDelayMs, defaultBackoff, reconnectDelayMs } from "./backoff.ts";

const options = { baseMs: 500, maxMs: 30_000 };

describe("backoffDelayMs", () => {
  test("ceiling doubles per attempt", () => {
    const top = () => 0.999_999;

    const delays = [0, 1, 2, 3].map((attempt) => backoffDelayMs(attempt, options, top));

    expect(delays).toEqual([499, 999, 1999, 3999]);
  });

  test("ceiling is capped at maxMs", () => {
    expect(backoffDelayMs(20, options, () => 0.999_999)).toBe(29_999);
    expect(backoffDelayMs(5000, options, () => 0.999_999)).toBe(29_999);
  });

  test("full jitter reaches zero", () => {
    expect(backoffDelayMs(6, options, () => 0)).toBe(0);
  });

  test("same attempt and random give same delay", () => {
    fc.assert(
      fc.property(fc.nat(40), fc.double({ min: 0, max: 0.999, noNaN: true }), (attempt, r) => {
        const delay = backoffDelayMs(attempt, defaultBackoff, () => r);

        expect(backoffDelayMs(attempt, defaultBackoff, () => r)).toBe(delay);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(defaultBackoff.maxMs);
      }),
    );
  });

  test("Retry-After is a floor", () => {
    const delay = backoffDelayMs(0, options, () => 0, 7_000);

    expect(delay).toBe(7_000);
  });

  test("Retry-After gets jitter on top", () => {
    expect(backoffDelayMs(0, options, () => 0.5, 7_000)).toBe(7_250);
  });
});

describe("reconnectDelayMs", () => {
  test("restart close spreads over eight base delays", () => {
    expect(reconnectDelayMs(0, 1012, options, () => 0.999_999)).toBe(3999);
  });

  test("try-later close waits longer than restart", () => {
    const tryLater = reconnectDelayMs(0, 4429, options, () => 0.999_999);
    const restart = reconnectDelayMs(0, 1012, options, () => 0.999_999);

    expect(tryLater).toBe(15_999);
    expect(tryLater).toBeGreaterThan(restart);
  });

  test("other closes use the plain backoff", () => {
    expect(reconnectDelayMs(2, 1006, options, () => 0.999_999)).toBe(1999);
  });

  test("restart storm spreads attempts over time", () => {
    const random = mulberry32(42);
    const delays = Array.from({ length: 2000 }, () => reconnectDelayMs(0, 1012, options, random));
    const perWindow = new Map<number, number>();
    for (const delay of delays) {
      const window = Math.floor(delay / 100);
      perWindow.set(window, (perWindow.get(window) ?? 0) + 1);
    }

    const busiest = Math.max(...perWindow.values());

    expect(busiest / delays.length).toBeLessThan(0.05);
  });
});

/** A small seeded generator, so the storm test is the same on every run. */
function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
