import { sql } from "drizzle-orm";
import { openPostgresStore } from "../../packages/server/src/store/postgres-store.ts";

/**
 * Runs short store transactions from several workers against the Postgres at
 * argv[2] for argv[3] milliseconds, then prints one JSON summary line and
 * exits 0. It prints "load started" once the store is open. A driver fault
 * that throws outside any transaction ends the process with code 1 instead.
 */
const [url, durationText] = process.argv.slice(2);
if (url === undefined || durationText === undefined) {
  console.error("Usage: transaction-load.ts DATABASE_URL DURATION_MS");
  process.exit(2);
}
const workers = 8;
const store = await openPostgresStore(url);
const deadline = Date.now() + Number(durationText);
let committed = 0;
const failures = new Map<string, number>();

/** Runs a transaction through the store's SQL runner, as push, pull and receipts do. */
async function runnerTransaction(): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.query("SELECT 1");
    await tx.query("SELECT pg_sleep(0.002)");
  });
}

/** Runs a transaction through drizzle, as conversation creation does. */
async function drizzleTransaction(): Promise<void> {
  await store.db.transaction(async (tx) => {
    await tx.execute(sql`SELECT 1`);
    await tx.execute(sql`SELECT pg_sleep(0.002)`);
  });
}

async function runWorker(index: number): Promise<void> {
  const transaction = index % 2 === 0 ? runnerTransaction : drizzleTransaction;
  while (Date.now() < deadline) {
    try {
      await transaction();
      committed++;
    } catch (error) {
      const code = String((error as { code?: unknown }).code ?? "none");
      failures.set(code, (failures.get(code) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

console.log("load started");
await Promise.all(Array.from({ length: workers }, (_, index) => runWorker(index)));
console.log(JSON.stringify({ committed, failures: Object.fromEntries(failures) }));
await store.close();
