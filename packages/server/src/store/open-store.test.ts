import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { isStoreUnavailable, makeStoreConfig, storeKinds } from "../testing/harness.ts";
import { openStore } from "./open-store.ts";
import type { Store } from "./store.ts";

async function countRows(store: Store, sql: string): Promise<number> {
  const rows = await store.query<{ count: number }>(sql);
  return Number(rows[0]?.count);
}

describe.each(storeKinds)("store on %s", (kind) => {
  test.skipIf(isStoreUnavailable(kind))("migrations make a hash-partitioned log", async () => {
    const { config, drop } = await makeStoreConfig(kind);
    const store = await openStore(config);

    const partitions = await countRows(
      store,
      "SELECT count(*) AS count FROM pg_inherits WHERE inhparent = 'events'::regclass",
    );
    const strategy = await store.query<{ partstrat: string }>(
      "SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'events'::regclass",
    );
    await store.close();
    await drop();

    expect(store.kind).toBe(kind);
    expect(partitions).toBe(8);
    expect(strategy[0]?.partstrat).toBe("h");
  });

  test.skipIf(isStoreUnavailable(kind))("reopening applies no migration twice", async () => {
    const { config, drop } = await makeStoreConfig(kind);
    const dataDir =
      kind === "pglite" ? await mkdtemp(join(tmpdir(), "syncline-store-")) : undefined;
    const target = dataDir === undefined ? config : { ...config, dataDir };

    await (await openStore(target)).close();
    const reopened = await openStore(target);
    const applied = await countRows(
      reopened,
      "SELECT count(*) AS count FROM drizzle.__drizzle_migrations",
    );
    await reopened.close();
    await reopened.close();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
    await drop();

    const journal = await readFile(
      new URL("../../drizzle/meta/_journal.json", import.meta.url),
      "utf8",
    );
    expect(applied).toBe((JSON.parse(journal) as { entries: unknown[] }).entries.length);
  });
});
