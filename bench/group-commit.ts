/**
 * Measures push throughput with and without group commit: 2000 single-op
 * pushes from 50 concurrent callers into 10 conversations, straight
 * through `pushOps` (no HTTP). Pass a Postgres URL to run on a temporary
 * database of that server; without one it runs on in-memory PGlite.
 *
 *   npx tsx bench/group-commit.ts [postgres://postgres@127.0.0.1:5432/postgres]
 */
import postgres from "postgres";
import { openStore } from "../packages/server/src/store/open-store.ts";
import { createConversation } from "../packages/server/src/sync/conversations.ts";
import { GroupCommitter } from "../packages/server/src/sync/group-commit.ts";
import { pushOps } from "../packages/server/src/sync/push.ts";
import { makeMessage } from "../packages/server/src/testing/builders.ts";

const totalPushes = 2000;
const callers = 50;
const conversations = 10;
const databaseName = "syncline_bench_group_commit";

async function withDatabase(serverUrl: string, sql: string): Promise<void> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(sql);
  await admin.end();
}

const serverUrl = process.argv[2];
let databaseUrl: string | undefined;
if (serverUrl !== undefined) {
  await withDatabase(serverUrl, `DROP DATABASE IF EXISTS "${databaseName}"`);
  await withDatabase(serverUrl, `CREATE DATABASE "${databaseName}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${databaseName}`;
  databaseUrl = url.toString();
}

const store = await openStore({ databaseUrl, dataDir: "memory://" });
const users = Array.from({ length: callers }, (_, i) => `user${i}`);
for (let c = 0; c < conversations; c++) {
  await createConversation(store, "user0", { id: `bench${c}`, members: users });
}
const committer = new GroupCommitter({ store, maxBatchOps: 1000 });

for (const grouped of [false, true, false, true]) {
  let next = 0;
  const started = performance.now();
  const caller = async (userId: string) => {
    while (next < totalPushes) {
      const index = next++;
      const context = grouped ? { store, committer } : { store };
      const op = makeMessage(`bench${index % conversations}`, `message ${index}`);
      const outcome = await pushOps(context, userId, [op]);
      if (outcome.results[0]?.status !== "ok") throw new Error(`push ${index} failed`);
    }
  };
  await Promise.all(users.map(caller));
  const seconds = (performance.now() - started) / 1000;
  const perSecond = Math.round(totalPushes / seconds);
  process.stdout.write(
    `${store.kind} grouped=${grouped}: ${totalPushes} pushes in ${seconds.toFixed(2)} s, ${perSecond}/s\n`,
  );
}

await store.close();
if (serverUrl !== undefined) {
  await withDatabase(serverUrl, `DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
}
