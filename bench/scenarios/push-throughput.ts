import { messageOp, signToken } from "../support/api.ts";
import { type LoadResult, runClosedLoop } from "../support/load.ts";
import { seedRawConversations } from "../support/raw-db.ts";
import { createRawGroupCommitter, rawPush, replayServerPush } from "../support/raw-push.ts";
import { rateRow } from "../support/report.ts";
import { openRawTarget, type ServerTarget, startServerTarget } from "../support/target.ts";
import { forEachLimited, type Scenario, type ScenarioContext, sized } from "./context.ts";

const pusherCount = 32;
const batchSize = 50;
const maxRequests = 1_000_000;

/** Key of the shared figure that sets the latency scenario's load. */
export const maxPushRateKey = "push.maxOpsPerSec";

/**
 * Durable push throughput: acked ops per second from 32 HTTP clients, into
 * one hot conversation and into 1,000 conversations, then in batches of 50,
 * beside the same rows written with raw SQL through the same driver.
 */
export const pushThroughput: Scenario = {
  name: "push",
  async run(context) {
    const durationMs = sized(context, { tiny: 200, quick: 1_000, full: 5_000 });
    const conversationCount = sized(context, { tiny: 10, quick: 100, full: 1_000 });
    const pushers = Array.from({ length: pusherCount }, (_, i) => `pusher${i}`);
    const conversationIds = Array.from({ length: conversationCount }, (_, i) => `c${i}`);
    const pick = () => conversationIds[Math.floor(Math.random() * conversationCount)] as string;

    const server = await startServerTarget(context.store, context.postgresUrl);
    let serverRates: Map<string, LoadResult>;
    try {
      const tokens = await Promise.all(pushers.map(signToken));
      await seedServer(server, tokens[0] as string, pushers, ["hot", ...conversationIds]);
      serverRates = await measureServer(context, server, tokens, { durationMs, pick });
    } finally {
      await server.close();
    }

    const raw = await openRawTarget(context.store, context.postgresUrl);
    let rawRates: Map<string, LoadResult>;
    try {
      await seedRawConversations(raw.db, ["hot", ...conversationIds], pushers);
      rawRates = await measureRaw(context, raw.db, { durationMs, pick });
    } finally {
      await raw.close();
    }

    addRows(context, serverRates, rawRates, conversationCount);
  },
};

async function seedServer(
  server: ServerTarget,
  ownerToken: string,
  pushers: readonly string[],
  conversationIds: readonly string[],
): Promise<void> {
  await forEachLimited(conversationIds, 8, (id) =>
    server.driver.createConversation(ownerToken, id, pushers.slice(1)),
  );
}

interface LoadShape {
  durationMs: number;
  pick: () => string;
}

async function measureServer(
  context: ScenarioContext,
  server: ServerTarget,
  tokens: readonly string[],
  { durationMs, pick }: LoadShape,
): Promise<Map<string, LoadResult>> {
  const rates = new Map<string, LoadResult>();
  const run = async (key: string, workers: number, ops: (worker: number) => string[]) => {
    const result = await runClosedLoop({
      workers,
      durationMs,
      maxRequests,
      request: async (worker) => {
        const token = tokens[worker] as string;
        return (
          await server.driver.push(
            token,
            ops(worker).map((id) => messageOp(id)),
          )
        ).length;
      },
    });
    context.log(`server ${key}: ${Math.round(result.opsPerSec)} ops/s`);
    rates.set(key, result);
  };

  for (const workers of sized(context, {
    tiny: [1, 32],
    quick: [1, 8, 32],
    full: [1, 4, 8, 16, 32],
  })) {
    await run(`hot-${workers}`, workers, () => ["hot"]);
  }
  await run("spread", pusherCount, () => [pick()]);
  await run("batched", pusherCount, () => Array(batchSize).fill(pick()));
  return rates;
}

async function measureRaw(
  context: ScenarioContext,
  db: Parameters<typeof rawPush>[0],
  { durationMs, pick }: LoadShape,
): Promise<Map<string, LoadResult>> {
  const rates = new Map<string, LoadResult>();
  const run = async (key: string, request: () => Promise<number>) => {
    const result = await runClosedLoop({ workers: pusherCount, durationMs, maxRequests, request });
    context.log(`raw ${key}: ${Math.round(result.opsPerSec)} ops/s`);
    rates.set(key, result);
  };
  const groupCommit = createRawGroupCommitter(db, "pusher0");

  await run("hot-single", () => rawPush(db, "pusher0", [messageOp("hot")]).then(() => 1));
  await run("hot-grouped", () => groupCommit(messageOp("hot")).then(() => 1));
  await run("spread", () => rawPush(db, "pusher0", [messageOp(pick())]).then(() => 1));
  await run("batched", () => {
    const id = pick();
    const ops = Array.from({ length: batchSize }, () => messageOp(id));
    return rawPush(db, "pusher0", ops).then(() => batchSize);
  });
  await run("replay", () => replayServerPush(db, "pusher0", [messageOp(pick())]).then(() => 1));
  return rates;
}

function addRows(
  context: ScenarioContext,
  server: Map<string, LoadResult>,
  raw: Map<string, LoadResult>,
  conversationCount: number,
): void {
  const rate = (results: Map<string, LoadResult>, key: string) => results.get(key)?.opsPerSec ?? 0;
  const base = { scenario: "1 push", store: context.store, unit: "ops/s" };
  for (const [key, result] of server) {
    if (!key.startsWith("hot-")) continue;
    context.rows.push(
      rateRow({
        ...base,
        measure: `single-op, 1 hot conversation, ${key.slice(4)} pushers`,
        value: result.opsPerSec,
        ceilingName: "raw group commit, hot, 32 workers",
        ceiling: rate(raw, "hot-grouped"),
      }),
    );
  }
  context.rows.push(
    rateRow({
      ...base,
      measure: "raw one message per transaction, hot, 32 workers",
      value: rate(raw, "hot-single"),
      ceilingName: "raw group commit, hot, 32 workers",
      ceiling: rate(raw, "hot-grouped"),
    }),
    rateRow({
      ...base,
      measure: `single-op, ${conversationCount} conversations, 32 pushers`,
      value: rate(server, "spread"),
      ceilingName: "raw one message per transaction",
      ceiling: rate(raw, "spread"),
    }),
    rateRow({
      ...base,
      measure: `${batchSize}-op batches, ${conversationCount} conversations, 32 pushers`,
      value: rate(server, "batched"),
      ceilingName: `raw ${batchSize}-row insert per transaction`,
      ceiling: rate(raw, "batched"),
    }),
    rateRow({
      ...base,
      measure: "ORM tax: server push vs its statements replayed raw",
      value: rate(server, "spread"),
      ceilingName: "server's push statements, raw driver",
      ceiling: rate(raw, "replay"),
    }),
  );
  context.shared.set(`${maxPushRateKey}.${context.store}`, rate(server, "spread"));
}
