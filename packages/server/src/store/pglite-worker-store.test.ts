import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, test } from "vitest";
import { createTestApp } from "../testing/harness.ts";
import { openPgliteStore, type PgliteStore } from "./pglite-store.ts";
import { PgliteWorkerClient } from "./pglite-worker-client.ts";
import { conversations } from "./schema.ts";
import { isStoreUnavailable } from "./store-errors.ts";

const opened: PgliteStore[] = [];

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

async function openStore(): Promise<PgliteStore> {
  const store = await openPgliteStore("memory://");
  opened.push(store);
  await store.query("INSERT INTO conversations (id, epoch) VALUES ('c1', 'e1')");
  return store;
}

async function readLastSeq(store: PgliteStore): Promise<number> {
  const rows = await store.query<{ last_seq: number }>(
    "SELECT last_seq FROM conversations WHERE id = 'c1'",
  );
  return Number(rows[0]?.last_seq);
}

/** Resolves with the rejection of `promise`, or fails the test when it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("expected the promise to reject");
}

describe("PGlite worker store", () => {
  test("concurrent transactions serialize", async () => {
    const store = await openStore();
    const steps: string[] = [];
    // Each transaction reads the counter, waits, then writes it back plus one,
    // so two transactions that overlapped would lose an increment.
    const increment = (name: string) =>
      store.transaction(async (tx) => {
        steps.push(`${name} begin`);
        const rows = await tx.query<{ last_seq: number }>(
          "SELECT last_seq FROM conversations WHERE id = 'c1'",
        );
        await sleep(30);
        await tx.query("UPDATE conversations SET last_seq = $1 WHERE id = 'c1'", [
          Number(rows[0]?.last_seq) + 1,
        ]);
        steps.push(`${name} end`);
      });

    await Promise.all([increment("a"), increment("b"), increment("c")]);

    expect(await readLastSeq(store)).toBe(3);
    expect(steps).toEqual(["a begin", "a end", "b begin", "b end", "c begin", "c end"]);
  });

  test("query outside a transaction waits for it", async () => {
    const store = await openStore();
    let reader: Promise<number> | undefined;
    let settledInside = false;

    await store.transaction(async (tx) => {
      await tx.query("UPDATE conversations SET last_seq = 7 WHERE id = 'c1'");
      reader = readLastSeq(store);
      void reader.finally(() => {
        settledInside = true;
      });
      await sleep(50);
      // A reader that ran inside this transaction would have settled by now.
      expect(settledInside).toBe(false);
    });

    expect(await reader).toBe(7);
  });

  test("error keeps its SQLSTATE code", async () => {
    const store = await openStore();

    const missing = await rejectionOf(store.query("SELECT * FROM no_such_table"));
    const duplicate = await rejectionOf(
      store.transaction((tx) =>
        tx.query("INSERT INTO conversations (id, epoch) VALUES ('c1', 'e')"),
      ),
    );

    expect(missing).toBeInstanceOf(Error);
    expect(missing.code).toBe("42P01");
    expect(missing.message).toContain("no_such_table");
    expect(duplicate.code).toBe("23505");
    expect(isStoreUnavailable(duplicate)).toBe(false);
  });

  test("throwing work rolls back", async () => {
    const store = await openStore();
    const failure = new Error("work failed");

    const error = await rejectionOf(
      store.transaction(async (tx) => {
        await tx.query("UPDATE conversations SET last_seq = 5 WHERE id = 'c1'");
        throw failure;
      }),
    );
    const afterwards = await store.transaction((tx) => tx.query("SELECT 1 AS one"));

    expect(error).toBe(failure);
    expect(await readLastSeq(store)).toBe(0);
    expect(afterwards).toEqual([{ one: 1 }]);
  });

  test("failed statement aborts the commit", async () => {
    const store = await openStore();

    const error = await rejectionOf(
      store.transaction(async (tx) => {
        await tx.query("UPDATE conversations SET last_seq = 5 WHERE id = 'c1'");
        await tx.query("SELECT * FROM no_such_table").catch(() => {});
      }),
    );

    expect(error.code).toBe("25P02");
    expect(await readLastSeq(store)).toBe(0);
  });

  test("runner is unusable after commit", async () => {
    const store = await openStore();
    const runner = await store.transaction(async (tx) => tx);

    const error = await rejectionOf(runner.query("SELECT 1"));

    expect(error.message).toMatch(/Transaction \d+ is not open/);
  });

  test("drizzle selects map columns", async () => {
    const store = await openStore();

    const rows = await store.db.select().from(conversations);

    expect(rows).toHaveLength(1);
    expect(rows[0]?.id).toBe("c1");
    expect(rows[0]?.createdAt).toBeInstanceOf(Date);
    expect(Number.isNaN(rows[0]?.createdAt.getTime())).toBe(false);
  });

  test("close is idempotent", async () => {
    const store = await openPgliteStore("memory://");

    await Promise.all([store.close(), store.close()]);
    await store.close();
    const error = await rejectionOf(store.query("SELECT 1"));

    expect(error.message).toBe("PGlite is closed");
    expect(isStoreUnavailable(error)).toBe(true);
  });

  test("killed worker fails calls fast", async () => {
    const store = await openStore();
    let inTransaction!: () => void;
    const entered = new Promise<void>((resolve) => {
      inTransaction = resolve;
    });
    const open = store.transaction(async (tx) => {
      inTransaction();
      await sleep(50);
      return tx.query("SELECT 1");
    });
    await entered;

    await store.terminateWorker();
    const started = performance.now();
    const pending = await rejectionOf(open);
    const later = await rejectionOf(store.query("SELECT 1"));
    const elapsedMs = performance.now() - started;

    expect(isStoreUnavailable(pending)).toBe(true);
    expect(isStoreUnavailable(later)).toBe(true);
    expect(later.code).toBe("08006");
    expect(elapsedMs).toBeLessThan(1_000);
  });

  test("failed startup rejects with its cause", async () => {
    const missingFolder = join(tmpdir(), "syncline-no-such-migrations");

    const error = await rejectionOf(
      PgliteWorkerClient.start({ dataDir: undefined, migrationsFolder: missingFolder }),
    );

    expect(error.message).toContain("_journal.json");
  });

  test("killed worker makes routes 503", async () => {
    const t = await createTestApp("pglite");
    await (t.store as PgliteStore).terminateWorker();

    const response = await t.call("POST", "/v1/conversations", { userId: "alice", body: {} });
    await t.close();

    expect(response.status).toBe(503);
    expect((await response.json()).error.code).toBe("unavailable");
  });
});
