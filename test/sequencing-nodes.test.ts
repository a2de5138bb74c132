import { loadConfig, type RunningServer, startServer } from "@syncline/server";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestApi, type TestApi } from "./support/api.ts";
import {
  createTemporaryDatabase,
  type TemporaryDatabase,
  testDatabaseUrl,
} from "./support/postgres.ts";
import { signTestToken, testAuthSecret } from "./support/tokens.ts";

const rounds = 50;
const pushesPerRound = 20;
const silent = pino({ level: "silent" });
/** Fifty rounds take about ten seconds on an idle 2-core machine; leave room for a busy one. */
const roundsTimeoutMs = 180_000;

async function startNode(env: Record<string, string>): Promise<RunningServer> {
  const config = loadConfig({ ...env, AUTH_SECRET: testAuthSecret, PORT: "0" });
  return startServer({ config, logger: silent });
}

/**
 * Sends one message per client id at once, alternating between the APIs,
 * and checks that every push is acked and the round's seqs are 1..n.
 */
async function runRound(apis: TestApi[], conversationId: string): Promise<void> {
  const pushes = Array.from({ length: pushesPerRound }, (_, index) => {
    const api = apis[index % apis.length] as TestApi;
    return api.pushMessage(conversationId, `${conversationId}-op-${index}`, `message ${index}`);
  });
  const results = await Promise.all(pushes);
  const seqs = results.map((result) => (result.status === "ok" ? result.seq : -1));

  expect(seqs.toSorted((a, b) => a - b)).toEqual(Array.from(seqs, (_, index) => index + 1));
  const events = await (apis[0] as TestApi).pullAll(conversationId);
  expect(events.map((event) => event.seq)).toEqual(seqs.map((_, index) => index + 1));
}

describe.skipIf(testDatabaseUrl === undefined)("sequencing across two nodes on postgres", () => {
  let database: TemporaryDatabase;
  const nodes: RunningServer[] = [];
  const apis: TestApi[] = [];

  beforeAll(async () => {
    database = await createTemporaryDatabase("syncline_nodes");
    const token = await signTestToken("alice");
    for (let index = 0; index < 2; index++) {
      const node = await startNode({ DATABASE_URL: database.url });
      nodes.push(node);
      apis.push(createTestApi(node.url, token));
    }
  });

  afterAll(async () => {
    for (const node of nodes) await node.close();
    await database?.drop();
  });

  test(
    "concurrent pushes through both nodes get seqs 1..20",
    async () => {
      for (let round = 0; round < rounds; round++) {
        const conversationId = `nodes-${round}`;
        await (apis[0] as TestApi).createConversation(conversationId, []);
        await runRound(apis, conversationId);
      }
    },
    roundsTimeoutMs,
  );
});

describe("sequencing on one pglite node", () => {
  let node: RunningServer;
  let api: TestApi;

  beforeAll(async () => {
    node = await startNode({ DATA_DIR: "memory://" });
    api = createTestApi(node.url, await signTestToken("alice"));
  });

  afterAll(async () => {
    await node?.close();
  });

  test(
    "concurrent pushes get seqs 1..20",
    async () => {
      for (let round = 0; round < rounds; round++) {
        const conversationId = `single-${round}`;
        await api.createConversation(conversationId, []);
        await runRound([api], conversationId);
      }
    },
    roundsTimeoutMs,
  );
});
