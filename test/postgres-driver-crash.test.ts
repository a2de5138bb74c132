import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  createPrivateCluster,
  findClusterBinaries,
  type PrivateCluster,
  privateClusterSkipReason,
  type ShutdownMode,
} from "./support/private-postgres.ts";

/**
 * A Postgres connection that ends in the middle of a transaction must not
 * end the server process. postgres 3.4.10 writes the transaction's ROLLBACK
 * to a connection whose socket is already gone, from a setImmediate, and
 * that TypeError is uncaught. The load runs in a child process so that a
 * crash shows as its exit code.
 */

const binaries = findClusterBinaries();
const skipReason = await privateClusterSkipReason();

const loadScript = fileURLToPath(new URL("./support/transaction-load.ts", import.meta.url));
const repositoryRoot = fileURLToPath(new URL("../", import.meta.url));

let cluster: PrivateCluster | undefined;

beforeAll(async () => {
  if ("binDir" in binaries && skipReason === undefined) {
    cluster = await createPrivateCluster(binaries.binDir);
  }
}, 120_000);

afterAll(async () => {
  await cluster?.destroy();
}, 60_000);

describe.skipIf(skipReason !== undefined)(
  `postgres driver faults${skipReason === undefined ? "" : ` (skipped: ${skipReason})`}`,
  () => {
    test("transactions survive postgres restarts", async () => {
      const pg = cluster as PrivateCluster;
      const child = spawn(process.execPath, ["--import", "tsx", loadScript, pg.url, "6000"], {
        cwd: repositoryRoot,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        output += chunk;
      });
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        output += chunk;
      });
      const exitCode = new Promise<number | null>((resolve) => child.once("exit", resolve));
      const started = Date.now();
      while (!output.includes("load started")) {
        if (Date.now() - started > 30_000 || child.exitCode !== null) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(output).toContain("load started");

      const modes: ShutdownMode[] = ["fast", "immediate", "fast"];
      for (const mode of modes) {
        await new Promise((resolve) => setTimeout(resolve, 700));
        await pg.restart(mode);
      }
      const code = await exitCode;

      expect(output).not.toContain("TypeError");
      expect(code, output).toBe(0);
      const summary = JSON.parse(output.trim().split("\n").at(-1) ?? "{}") as {
        committed?: number;
      };
      expect(summary.committed).toBeGreaterThan(0);
    }, 120_000);
  },
);
