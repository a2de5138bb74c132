import { parseArgs } from "node:util";
import { runSeed } from "./world.ts";

/**
 * Runs the simulation from the command line:
 *   npx tsx packages/client-sdk/src/simulation/run.ts --seed N --verbose
 * replays one seed with a trace, and `--seeds K` runs seeds 1..K.
 */
const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    seeds: { type: "string", default: "1000" },
    steps: { type: "string", default: "300" },
    verbose: { type: "boolean", default: false },
  },
});

const steps = Number(values.steps);
const seeds = values.seed === undefined ? range(Number(values.seeds)) : [Number(values.seed)];
const trace = values.verbose ? (line: string) => console.log(line) : undefined;
const startedMs = Date.now();
let failures = 0;
for (const seed of seeds) {
  const result = runSeed({ seed, steps, ...(trace ? { trace } : {}) });
  if (result.failure !== undefined) {
    failures++;
    console.log(`seed ${seed} failed at step ${result.failure.step}: ${result.failure.message}`);
    console.log(
      `  replay: npx tsx packages/client-sdk/src/simulation/run.ts --seed ${seed} --steps ${steps} --verbose`,
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
