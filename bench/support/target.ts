import type { ProbeReading } from "../children/process-probe.ts";
import { benchAuthSecret, createHttpDriver, type HttpDriver } from "./api.ts";
import { type BenchChild, spawnChild } from "./child.ts";
import { type BenchDatabase, createBenchDatabase } from "./database.ts";
import { openRawPglite, openRawPostgres, type RawDb } from "./raw-db.ts";

/** The store a target runs on. */
export type StoreKind = "pglite" | "postgres";

/** A server under test in its own process, with an HTTP driver pointed at it. */
export interface ServerTarget {
  kind: StoreKind;
  url: string;
  pid: number;
  driver: HttpDriver;
  /** Resets the server process's CPU, peak RSS and event-loop delay counters. */
  resetProbe(): Promise<void>;
  readProbe(): Promise<ProbeReading>;
  close(): Promise<void>;
}

/**
 * Starts the server in a child process on a fresh store: PGlite in memory,
 * or a new database on `postgresUrl` that `close()` drops.
 */
export async function startServerTarget(
  kind: StoreKind,
  postgresUrl: string | undefined,
): Promise<ServerTarget> {
  let database: BenchDatabase | undefined;
  if (kind === "postgres") database = await createBenchDatabase(requireUrl(postgresUrl));
  let child: BenchChild & { started: Record<string, unknown> };
  try {
    const env: Record<string, string> = { AUTH_SECRET: benchAuthSecret };
    if (database !== undefined) env.DATABASE_URL = database.url;
    child = await spawnChild("server-child.ts", env, ["--expose-gc"]);
  } catch (error) {
    await database?.drop();
    throw error;
  }
  const url = child.started.url as string;
  const driver = createHttpDriver(url);
  return {
    kind,
    url,
    pid: child.pid,
    driver,
    resetProbe: async () => {
      await child.request("reset");
    },
    readProbe: () => child.request<ProbeReading>("read"),
    async close() {
      driver.close();
      await child.stop();
      await database?.drop();
    },
  };
}

/** A raw database with the server's schema, for the ceilings. */
export interface RawTarget {
  db: RawDb;
  close(): Promise<void>;
}

/** Opens the raw ceiling's database: PGlite in this process, or a new Postgres database. */
export async function openRawTarget(
  kind: StoreKind,
  postgresUrl: string | undefined,
): Promise<RawTarget> {
  if (kind === "pglite") {
    const db = await openRawPglite();
    return { db, close: () => db.close() };
  }
  const database = await createBenchDatabase(requireUrl(postgresUrl), "syncline_bench_raw");
  try {
    const db = await openRawPostgres(database.url);
    return {
      db,
      async close() {
        await db.close();
        await database.drop();
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}

function requireUrl(url: string | undefined): string {
  if (url === undefined) {
    throw new Error("Set BENCH_DATABASE_URL or TEST_DATABASE_URL to bench Postgres.");
  }
  return url;
}
