import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { isMemoryDataDir } from "../config.ts";
import { migrationsFolder } from "./migrations.ts";
import * as schema from "./schema.ts";
import type { Database, Row, SqlRunner, Store } from "./store.ts";

/**
 * Opens embedded PGlite in `dataDir` (created when missing; `memory://`
 * keeps it in memory) and applies the migrations. PGlite runs in this
 * thread on one connection, so its transactions never overlap.
 */
export async function openPgliteStore(dataDir: string): Promise<Store> {
  if (!isMemoryDataDir(dataDir)) await mkdir(dataDir, { recursive: true });
  const client = await PGlite.create(isMemoryDataDir(dataDir) ? undefined : dataDir);
  const db = drizzle({ client, schema });
  try {
    await migrate(db, { migrationsFolder });
  } catch (error) {
    await client.close();
    throw error;
  }
  return createPgliteStore(client, db as unknown as Database);
}

function createPgliteStore(client: PGlite, db: Database): Store {
  let closing: Promise<void> | undefined;
  const runner = (target: Pick<PGlite, "query">): SqlRunner => ({
    async query<R extends Row>(text: string, params: readonly unknown[] = []) {
      const result = await target.query<R>(text, params as unknown[]);
      return result.rows;
    },
  });

  return {
    kind: "pglite",
    db,
    query: runner(client).query,
    transaction: (work) => client.transaction((tx) => work(runner(tx))),
    close() {
      closing ??= client.closed ? Promise.resolve() : client.close();
      return closing;
    },
  };
}
