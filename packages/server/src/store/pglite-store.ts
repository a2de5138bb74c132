import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { isMemoryDataDir } from "../config.ts";
import { type DataDirLock, lockDataDir } from "./data-dir-lock.ts";
import { migrationsFolder } from "./migrations.ts";
import * as schema from "./schema.ts";
import type { Database, Row, SqlRunner, Store } from "./store.ts";

/**
 * Opens embedded PGlite in `dataDir` (created when missing; `memory://`
 * keeps it in memory) and applies the migrations. PGlite runs in this
 * thread on one connection, so its transactions never overlap. A folder
 * is locked to one process; see {@link lockDataDir}.
 */
export async function openPgliteStore(dataDir: string): Promise<Store> {
  let lock: DataDirLock | undefined;
  if (!isMemoryDataDir(dataDir)) {
    await mkdir(dataDir, { recursive: true });
    lock = await lockDataDir(dataDir);
  }
  let client: PGlite | undefined;
  try {
    client = await PGlite.create(isMemoryDataDir(dataDir) ? undefined : dataDir);
    const db = drizzle({ client, schema });
    await migrate(db, { migrationsFolder });
    return createPgliteStore(client, db as unknown as Database, lock);
  } catch (error) {
    await client?.close();
    await lock?.release();
    throw error;
  }
}

function createPgliteStore(client: PGlite, db: Database, lock: DataDirLock | undefined): Store {
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
      closing ??= (async () => {
        if (!client.closed) await client.close();
        await lock?.release();
      })();
      return closing;
    },
  };
}
