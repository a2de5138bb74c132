import { describe, expect, test } from "vitest";
import type { Scenario, ScenarioContext } from "../bench/scenarios/context.ts";
import { pushThroughput } from "../bench/scenarios/push-throughput.ts";
import { sdkOutbox } from "../bench/scenarios/sdk-outbox.ts";
import type { ResultRow } from "../bench/support/report.ts";
import { testDatabaseUrl } from "./support/postgres.ts";

/**
 * Runs scenarios of `npm run bench` at their tiny size, so the suite cannot
 * rot unseen. The push scenario runs on Postgres, because PGlite's start
 * alone can take over 10 s on a loaded machine.
 */
async function runTiny(scenario: Scenario, store: ScenarioContext["store"], url?: string) {
  const context: ScenarioContext = {
    store,
    postgresUrl: url,
    size: "tiny",
    rows: [],
    shared: new Map(),
    log: () => {},
  };
  await scenario.run(context);
  return context;
}

function expectFiniteRatios(rows: readonly ResultRow[]): void {
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    expect(row.value, row.measure).toBeGreaterThan(0);
    expect(row.ceiling, row.measure).toBeGreaterThan(0);
    expect(Number.isFinite(row.ratio), row.measure).toBe(true);
  }
}

describe("bench smoke", () => {
  test("sdk scenario reports ratios", async () => {
    const context = await runTiny(sdkOutbox, "pglite");

    expectFiniteRatios(context.rows);
  });

  test.skipIf(testDatabaseUrl === undefined)(
    "push scenario reports ratios on postgres",
    { timeout: 60_000 },
    async () => {
      const context = await runTiny(pushThroughput, "postgres", testDatabaseUrl);

      expectFiniteRatios(context.rows);
      expect(context.shared.get("push.maxOpsPerSec.postgres")).toBeGreaterThan(0);
    },
  );
});
