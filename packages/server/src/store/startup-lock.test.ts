import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { isStoreUnavailable, makeStoreConfig } from "../testing/harness.ts";
import { DataDirLockedError, lockDataDir, lockFileName } from "./data-dir-lock.ts";
import { openStore } from "./open-store.ts";

/** Runs a process to its exit and returns its pid, which is then free. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  return child.pid;
}

describe("data folder lock", () => {
  const folders: string[] = [];
  afterEach(async () => {
    for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
  });

  async function makeFolder(): Promise<string> {
    const folder = await mkdtemp(join(tmpdir(), "syncline-lock-"));
    folders.push(folder);
    return folder;
  }

  test("second holder is rejected", async () => {
    const folder = await makeFolder();
    const lock = await lockDataDir(folder);

    const second = lockDataDir(folder);

    await expect(second).rejects.toBeInstanceOf(DataDirLockedError);
    await expect(second).rejects.toThrow(`in use by process ${process.pid}`);
    await lock.release();
  });

  test("stale lock of a dead process is taken over", async () => {
    const folder = await makeFolder();
    await writeFile(join(folder, lockFileName), `${deadPid()}\n`);

    const lock = await lockDataDir(folder);

    expect(await readFile(join(folder, lockFileName), "utf8")).toBe(`${process.pid}\n`);
    await lock.release();
  });

  test("release frees the folder", async () => {
    const folder = await makeFolder();
    const first = await lockDataDir(folder);

    await first.release();
    const second = await lockDataDir(folder);

    await second.release();
  });

  test("pglite store holds the lock until closed", async () => {
    const folder = await makeFolder();
    const store = await openStore({ databaseUrl: undefined, dataDir: folder });

    await expect(openStore({ databaseUrl: undefined, dataDir: folder })).rejects.toThrow(
      DataDirLockedError,
    );
    await store.close();
    const reopened = await openStore({ databaseUrl: undefined, dataDir: folder });
    await reopened.close();
  }, 120_000);
});

describe.skipIf(isStoreUnavailable("postgres"))("migrations on postgres", () => {
  test("nodes starting at once migrate once", async () => {
    const { config, drop } = await makeStoreConfig("postgres");

    const stores = await Promise.all([openStore(config), openStore(config), openStore(config)]);

    const applied = await stores[0]?.query<{ count: string }>(
      "SELECT count(*) AS count FROM drizzle.__drizzle_migrations",
    );
    for (const store of stores) await store.close();
    await drop();
    const files = await readFile(
      new URL("../../drizzle/meta/_journal.json", import.meta.url),
      "utf8",
    );
    const entries = (JSON.parse(files) as { entries: unknown[] }).entries;
    expect(Number(applied?.[0]?.count)).toBe(entries.length);
  }, 60_000);
});
