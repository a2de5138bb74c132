import { writeFile } from "node:fs/promises";
import os from "node:os";
import { parseOptions } from "./options.ts";
import { catchUp } from "./scenarios/catch-up.ts";
import type { Scenario, ScenarioContext } from "./scenarios/context.ts";
import { fanout } from "./scenarios/fanout.ts";
import { idleSockets } from "./scenarios/idle-sockets.ts";
import { latency } from "./scenarios/latency.ts";
import { pushThroughput } from "./scenarios/push-throughput.ts";
import { reconnectStorm } from "./scenarios/reconnect-storm.ts";
import { sdkOutbox } from "./scenarios/sdk-outbox.ts";
import { benchServerUrl, readPostgresVersion } from "./support/database.ts";
import { formatTable, type ResultRow } from "./support/report.ts";

/** The scenarios in the order they run; a later one may use an earlier one's figures. */
const scenarios: Scenario[] = [
  pushThroughput,
  latency,
  fanout,
  catchUp,
  idleSockets,
  reconnectStorm,
  sdkOutbox,
];

/**
 * `npm run bench`: starts its own servers and clients on loopback, runs
 * each scenario for a bounded time, prints a table, writes results.json.
 */
async function main(): Promise<void> {
  const options = parseOptions(
    process.argv.slice(2),
    scenarios.map((scenario) => scenario.name),
  );
  const postgresUrl = benchServerUrl();
  const stores = options.stores.filter((store) => store === "pglite" || postgresUrl !== undefined);
  if (stores.length < options.stores.length) {
    log("Postgres skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL to bench it.");
  }

  const rows: ResultRow[] = [];
  const shared = new Map<string, number>();
  const failures: string[] = [];
  for (const scenario of scenarios) {
    if (options.only !== undefined && scenario.name !== options.only) continue;
    for (const store of stores) {
      const context: ScenarioContext = {
        store,
        postgresUrl,
        size: options.size,
        rows,
        shared,
        log: (message) => log(`[${scenario.name}/${store}] ${message}`),
      };
      try {
        await scenario.run(context);
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        failures.push(`${scenario.name}/${store}: ${message}`);
        log(`[${scenario.name}/${store}] failed: ${message}`);
      }
    }
  }

  const machine = await describeMachine(postgresUrl, stores.includes("postgres"));
  process.stdout.write(`\n${formatTable(rows)}\n`);
  const report = { machine, options, command: process.argv.slice(2), rows, failures };
  await writeFile(options.outputPath, `${JSON.stringify(report, null, 2)}\n`);
  log(`Wrote ${options.outputPath}.`);
  if (failures.length > 0) process.exitCode = 1;
}

async function describeMachine(postgresUrl: string | undefined, withPostgres: boolean) {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    memoryBytes: os.totalmem(),
    node: process.version,
    postgres:
      withPostgres && postgresUrl !== undefined ? await readPostgresVersion(postgresUrl) : null,
    platform: `${os.type()} ${os.release()}`,
  };
}

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString()} ${message}\n`);
}

await main();
