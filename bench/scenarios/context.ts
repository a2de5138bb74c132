import type { RunSize } from "../options.ts";
import type { ResultRow } from "../support/report.ts";
import type { StoreKind } from "../support/target.ts";

/** The inputs of a scenario: the store, the run's size, and the list its rows go to. */
export interface ScenarioContext {
  store: StoreKind;
  /** The Postgres server URL, set when `store` is postgres. */
  postgresUrl: string | undefined;
  size: RunSize;
  rows: ResultRow[];
  /** Figures a later scenario builds on, such as the push rate that sets the latency load. */
  shared: Map<string, number>;
  log(message: string): void;
}

/** A named scenario of the suite. */
export interface Scenario {
  name: string;
  run(context: ScenarioContext): Promise<void>;
}

/** Runs `work` over `items` with at most `concurrency` at a time. */
export async function forEachLimited<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Picks the value for the run's size. */
export function sized<T>(context: ScenarioContext, values: Record<RunSize, T>): T {
  return values[context.size];
}
