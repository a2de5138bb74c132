import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PullResponse, PushResponse } from "@syncline/protocol";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { createTemporaryDatabase, testDatabaseUrl } from "../../../test/support/postgres.ts";
import { createTokenAuthority } from "./auth/tokens.ts";
import { loadConfig } from "./config.ts";
import { startServer } from "./server.ts";
import { makeMessage } from "./testing/builders.ts";
import { silentLogger, startTestServer, testSecret } from "./testing/harness.ts";

const mainPath = fileURLToPath(new URL("./main.ts", import.meta.url));
const baseConfig = { ...loadConfig({ AUTH_SECRET: testSecret, LOG_LEVEL: "silent" }), port: 0 };

describe("startServer", () => {
  test("test hooks rejected in production", async () => {
    const config = { ...baseConfig, dataDir: "memory://", production: true };

    await expect(startServer({ config, logger: silentLogger, testHooks: {} })).rejects.toThrow(
      /production/,
    );
  });

  test("close is idempotent", async () => {
    const server = await startServer({
      config: { ...baseConfig, dataDir: "memory://" },
      logger: silentLogger,
    });

    await Promise.all([server.close(), server.close()]);
    await server.close();

    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  test("dropped answer after commit, retry is a duplicate", async () => {
    let drop = true;
    const t = await startTestServer("pglite", {
      testHooks: {
        afterCommit: async () => {
          if (drop) throw new Error("drop this answer");
        },
      },
    });
    await t.call("POST", "/v1/conversations", { userId: "alice", body: { id: "lost-ack" } });
    const op = makeMessage("lost-ack", "sent once", "lost-ack-op-1");

    await expect(
      t.call("POST", "/v1/push", { userId: "alice", body: { ops: [op] } }),
    ).rejects.toThrow();
    drop = false;
    const retry = (await (
      await t.call("POST", "/v1/push", { userId: "alice", body: { ops: [op] } })
    ).json()) as PushResponse;
    const page = (await (
      await t.call("GET", "/v1/conversations/lost-ack/events", { userId: "alice" })
    ).json()) as PullResponse;
    await t.close();

    expect(retry.results[0]).toMatchObject({ status: "ok", seq: 1, duplicate: true });
    expect(page.events).toHaveLength(1);
  });

  test("PGlite data survives a restart", async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), "syncline-")), "nested", "data");
    const config = { ...baseConfig, dataDir };
    const token = `Bearer ${await createTokenAuthority(testSecret).issue("alice")}`;
    const headers = { authorization: token, "content-type": "application/json" };

    const first = await startServer({ config, logger: silentLogger });
    await fetch(`${first.url}/v1/conversations`, {
      method: "POST",
      headers,
      body: '{"id":"kept"}',
    });
    await fetch(`${first.url}/v1/push`, {
      method: "POST",
      headers,
      body: JSON.stringify({ ops: [makeMessage("kept", "still here")] }),
    });
    await first.close();
    const second = await startServer({ config, logger: silentLogger });
    const page = (await (
      await fetch(`${second.url}/v1/conversations/kept/events`, { headers })
    ).json()) as PullResponse;
    await second.close();
    await rm(dataDir, { recursive: true, force: true });

    expect(page.events.map((event) => event.body.text)).toEqual(["still here"]);
  }, 90_000);
});

describe.skipIf(testDatabaseUrl === undefined)("startServer on postgres", () => {
  test("nodes starting at once migrate once", async () => {
    const database = await createTemporaryDatabase("syncline_server");
    const config = { ...baseConfig, databaseUrl: database.url };

    const servers = await Promise.all(
      [1, 2, 3].map(() => startServer({ config, logger: silentLogger })),
    );
    const ready = await Promise.all(servers.map((server) => fetch(`${server.url}/readyz`)));
    await Promise.all(servers.map((server) => server.close()));
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    const applied = await sql`SELECT count(*)::int AS count FROM drizzle.__drizzle_migrations`;
    const partitions = await sql`SELECT count(*)::int AS count FROM pg_inherits
      WHERE inhparent = 'events'::regclass`;
    await sql.end();
    await database.drop();

    expect(ready.map((response) => response.status)).toEqual([200, 200, 200]);
    const journal = await readFile(
      new URL("../drizzle/meta/_journal.json", import.meta.url),
      "utf8",
    );
    expect(applied[0]?.count).toBe((JSON.parse(journal) as { entries: unknown[] }).entries.length);
    expect(partitions[0]?.count).toBe(8);
  });
});

describe("main", () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "syncline-main-"));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
  });

  function runMain(env: Record<string, string>) {
    const child = spawn(process.execPath, ["--import", "tsx", mainPath], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: Record<string, unknown>[] = [];
    let buffered = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      for (const line of parts) lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    );
    return { child, lines, exited };
  }

  test("logs server started, stops on SIGTERM", async () => {
    const run = runMain({ PORT: "0", DATA_DIR: dataDir, DEMO_DIR: dataDir });

    const started = await vi.waitFor(
      () => {
        const line = run.lines.find((entry) => entry.msg === "server started");
        if (line === undefined) throw new Error("not started yet");
        return line;
      },
      { timeout: 60_000, interval: 100 },
    );
    const health = await fetch(`${started.url as string}/healthz`);
    run.child.kill("SIGTERM");
    const code = await run.exited;

    expect(started).toMatchObject({ store: "pglite", port: expect.any(Number) });
    expect(started.url).toBe(`http://127.0.0.1:${started.port as number}`);
    expect(health.status).toBe(200);
    expect(code).toBe(0);
    expect(run.lines.some((entry) => entry.msg === "server stopped")).toBe(true);
    expect(
      run.lines.some((entry) => entry.level === 40 && String(entry.msg).includes("dev mode")),
    ).toBe(true);
  }, 90_000);

  test("production without secret exits", async () => {
    const run = runMain({ NODE_ENV: "production", DATA_DIR: dataDir });

    const code = await run.exited;

    expect(code).toBe(1);
    expect(JSON.stringify(run.lines)).toContain("AUTH_SECRET is required");
  }, 30_000);
});
