import { describe, expect, test } from "vitest";
import type { ModelBugs } from "./client-store.ts";
import { Prng } from "./prng.ts";
import { runSeed } from "./world.ts";

const stepsPerSeed = 250;
const seedsPerChunk = 500;

/** Runs seeds `first` to `last` and describes each failure with its replay command. */
function failingSeeds(first: number, last: number, bugs: ModelBugs = {}): string[] {
  const failures: string[] = [];
  const bugFlags = Object.keys(bugs)
    .map((name) => ` --bug ${name}`)
    .join("");
  for (let seed = first; seed <= last; seed++) {
    const { failure } = runSeed({ seed, steps: stepsPerSeed, bugs });
    if (failure === undefined) continue;
    failures.push(
      `seed ${seed} failed at step ${failure.step}: ${failure.message} (replay: npx tsx ` +
        `packages/client-sdk/src/simulation/run.ts --seed ${seed} --steps ${stepsPerSeed} --verbose${bugFlags})`,
    );
  }
  return failures;
}

function traceOf(seed: number): string[] {
  const lines: string[] = [];
  runSeed({ seed, steps: stepsPerSeed, trace: (line) => lines.push(line) });
  return lines;
}

describe("simulation", () => {
  test.each([1, 2, 3, 4])(
    "seed chunk %i keeps invariants (I1, I2, I9, I12, I17, I20, I21, I22)",
    (chunk) => {
      const first = (chunk - 1) * seedsPerChunk + 1;

      const failures = failingSeeds(first, first + seedsPerChunk - 1);

      expect(failures).toEqual([]);
    },
  );

  test("same seed replays same trace", () => {
    const first = traceOf(42);

    const second = traceOf(42);

    expect(first.length).toBeGreaterThan(stepsPerSeed / 2);
    expect(second).toEqual(first);
  });

  test("prng repeats per seed", () => {
    const a = new Prng(7);
    const b = new Prng(7);

    const drawsA = Array.from({ length: 5 }, () => a.next());
    const drawsB = Array.from({ length: 5 }, () => b.next());

    expect(drawsB).toEqual(drawsA);
    expect(new Set(drawsA).size).toBe(5);
  });
});

describe("simulation checker", () => {
  test("catches cursor moved on arrival (I1)", () => {
    const failures = failingSeeds(1, 100, { cursorOnArrival: true });

    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]).toMatch(/^seed \d+ failed at step \d+: /);
    expect(failures[0]).toContain("--verbose");
    expect(failures.some((failure) => failure.includes(": I1 cursor"))).toBe(true);
  });

  test("catches outbox row dropped before ack (I21)", () => {
    const failures = failingSeeds(1, 100, { dropOutboxOnSend: true });

    expect(failures.length).toBeGreaterThan(0);
    expect(failures.some((failure) => failure.includes(": I21 op"))).toBe(true);
  });
});
