import { parseArgs } from "node:util";
import type { ModelBugs } from "./client-store.ts";
import { runSeed } from "./world.ts";

/**
 * Runs the simulation from the command line:
 *   npx tsx packages/client-sdk/src/simulation/run.ts --seed N --verbose
 * replays one seed with a trace, and `--seeds K` runs seeds 1..K. `--bug
 * cursorOnArrival` or `--bug dropOutboxOnSend` injects a known bug.
 */
const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    seeds: { type: "string", default: "1000" },
    steps: { type: "string", default: "300" },
    verbose: { type: "boolean", default: false },
    bug: { type: "string", multiple: true, default: [] },
  },
});

const steps = Number(values.steps);
const seeds = values.seed === undefined ? range(Number(values.seeds)) : [Number(values.seed)];
const bugs = Object.fromEntries(values.bug.map((name) => [name, true])) as ModelBugs;
const bugFlags = values.bug.map((name) => ` --bug ${name}`).join("");
const trace = values.verbose ? (line: string) => console.log(line) : undefined;
const startedMs = Date.now();
let failures = 0;
for (const seed of seeds) {
  const result = runSeed({ seed, steps, bugs, ...(trace ? { trace } : {}) });
  if (result.failure !== undefined) {
    failures++;
    console.log(`seed ${seed} failed at step ${result.failure.step}: ${result.failure.message}`);
    console.log(
      `  replay: npx tsx packages/client-sdk/src/simulation/run.ts --seed ${seed} --steps ${steps} --verbose${bugFlags}`,
    );
  }
}
console.log(
  `${seeds.length} seeds x ${steps} steps, ${failures} failed, ${Date.now() - startedMs} ms`,
);
process.exitCode = failures > 0 ? 1 : 0;

function range(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index + 1);
}
