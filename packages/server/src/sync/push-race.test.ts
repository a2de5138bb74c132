import type { PushResponse } from "@syncline/protocol";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { createTokenAuthority } from "../auth/tokens.ts";
import { loadConfig } from "../config.ts";
import { type RunningServer, startServer } from "../server.ts";
import {
  findLogViolations,
  notifiedEvents,
  readEvents,
  readLastSeqs,
} from "../testing/event-log.ts";
import { fuzzParameters } from "../testing/fuzz.ts";
import {
  isStoreUnavailable,
  makeStoreConfig,
  silentLogger,
  storeKinds,
  testSecret,
} from "../testing/harness.ts";
import {
  findOrderViolations,
  findResultViolations,
  type PushedOp,
} from "../testing/push-checks.ts";
import type { ModelOp } from "../testing/push-model.ts";
import { openReadySocket, type TestSocket } from "../testing/socket-client.ts";

/** Lifted so that many pushes from one user are never rejected with 429. */
const unlimitedSecurity = loadConfig({
  RATE_PUSH_OPS_PER_S: "1000000",
  RATE_PUSH_BURST: "1000000",
}).security;

/** Widens the window between seq assignment and COMMIT, where ordering bugs hide. */
const jitterBeforeCommit = async () => {
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
};

const users = ["u0", "u1", "u2", "u3", "u4", "u5"];
/** Members by conversation name; `u0` and `u3` watch every conversation they are in. */
const membersByName: Record<string, string[]> = {
  ra: ["u0", "u1", "u2"],
  rb: ["u0", "u3", "u4"],
  rc: users,
  rd: ["u0", "u1", "u5"],
};
const names = [...Object.keys(membersByName), "rx"];
const watchers = ["u0", "u3"];
const pushesPerUser = 5;
const tokens = createTokenAuthority(testSecret);

/**
 * An op catalog: each user has a few ops of their own (so a repeat is a
 * duplicate) and all share a few client ids (so a repeat by another user
 * is a conflict). Targets point at low seqs, which races make sometimes
 * present, sometimes deleted, sometimes another user's.
 */
const catalogArbitrary: fc.Arbitrary<CatalogEntry[]> = fc.array(
  fc.record({
    shared: fc.boolean(),
    slot: fc.integer({ min: 0, max: 5 }),
    name: fc.constantFrom(...names),
    kind: fc.constantFrom(
      "message",
      "message",
      "message.edit",
      "message.delete",
      "reaction.add",
      "reaction.remove",
    ),
    targetSeq: fc.integer({ min: 1, max: 12 }),
  }),
  { minLength: 20, maxLength: 40 },
);

/** The pushes of one user: lists of catalog positions. */
const pushesArbitrary = fc.array(
  fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), {
    minLength: pushesPerUser,
    maxLength: pushesPerUser,
  }),
  { minLength: users.length, maxLength: users.length },
);

/** One op of the catalog, before it is given a sender and a conversation id. */
interface CatalogEntry {
  shared: boolean;
  slot: number;
  name: string;
  kind: string;
  targetSeq: number;
}

function toOp(entry: CatalogEntry, senderId: string, ids: ReadonlyMap<string, string>): ModelOp {
  const conversationId = ids.get(entry.name) as string;
  const clientId = entry.shared ? `shared-op-${entry.slot}` : `${senderId}-own-op-${entry.slot}`;
  const text = `${senderId} ${entry.slot}`;
  const { targetSeq } = entry;
  switch (entry.kind) {
    case "message":
      return { clientId, conversationId, type: "message", body: { text } };
    case "message.edit":
      return { clientId, conversationId, type: "message.edit", body: { targetSeq, text } };
    case "message.delete":
      return { clientId, conversationId, type: "message.delete", body: { targetSeq } };
    default:
      return {
        clientId,
        conversationId,
        type: entry.kind as "reaction.add" | "reaction.remove",
        body: { targetSeq, emoji: "\u{1F44D}" },
      };
  }
}

/** Nodes that share one store, and a socket per watcher spread over them. */
interface Cluster {
  nodes: RunningServer[];
  sockets: Map<string, TestSocket>;
}

async function send(url: string, userId: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${await tokens.issue(userId)}`,
      "content-type": "application/json",
    },
    body: JSON.stringify(body),
  });
}

let runCounter = 0;

/**
 * Creates the conversations of one run, then lets every user send their
 * pushes one after another, all users at once, each push to the next node.
 * Checks the stored logs, counters, results and the watchers' notify frames.
 */
async function runRace(
  cluster: Cluster,
  catalog: readonly CatalogEntry[],
  pushPlans: readonly (readonly number[])[][],
): Promise<void> {
  const [first] = cluster.nodes;
  if (first === undefined) throw new Error("A cluster needs a node.");
  const prefix = `race${++runCounter}`;
  const ids = new Map(names.map((name) => [name, `${prefix}-${name}`]));
  const members = new Map<string, ReadonlySet<string> | undefined>();
  for (const name of names) members.set(ids.get(name) as string, undefined);
  for (const [name, memberIds] of Object.entries(membersByName)) {
    const id = ids.get(name) as string;
    const others = memberIds.filter((member) => member !== "u0");
    const response = await send(first.url, "u0", "/v1/conversations", { id, members: others });
    expect(response.status).toBe(201);
    members.set(id, new Set(memberIds));
  }

  const pushed: PushedOp[] = [];
  const statuses: number[] = [];
  let turn = 0;
  const pushAll = async (senderId: string, plans: readonly (readonly number[])[]) => {
    for (const [push, plan] of plans.entries()) {
      const ops = plan.map((position) =>
        toOp(catalog[position % catalog.length] as CatalogEntry, senderId, ids),
      );
      const node = cluster.nodes[turn++ % cluster.nodes.length] as RunningServer;
      const response = await send(node.url, senderId, "/v1/push", { ops });
      statuses.push(response.status);
      if (response.status !== 200) continue;
      const { results } = (await response.json()) as PushResponse;
      results.forEach((result, index) => {
        pushed.push({ senderId, push, op: ops[index] as ModelOp, index, result });
      });
    }
  };
  await Promise.all(users.map((user, position) => pushAll(user, pushPlans[position] ?? [])));

  expect(statuses.filter((status) => status !== 200)).toEqual([]);
  const conversationIds = [...ids.values()];
  const logs = await readEvents(first.store, conversationIds);
  const lastSeqs = await readLastSeqs(first.store, conversationIds);
  for (const [id, log] of logs) {
    expect(findLogViolations(log)).toEqual([]);
    if (members.get(id) !== undefined) expect(lastSeqs.get(id)).toBe(log.length);
  }
  expect(findResultViolations(pushed, logs, members)).toEqual([]);
  expect(findOrderViolations(pushed)).toEqual([]);

  for (const [watcher, socket] of cluster.sockets) {
    for (const [id, memberIds] of members) {
      if (memberIds?.has(watcher) !== true) continue;
      const log = logs.get(id) ?? [];
      await vi.waitFor(() => {
        expect(notifiedEvents(socket.frames, id).events.length).toBeGreaterThanOrEqual(log.length);
      });
      const notified = notifiedEvents(socket.frames, id);
      expect(notified.bareLatestSeqs.filter((seq) => seq > 0)).toEqual([]);
      expect(notified.events).toEqual(log);
    }
  }
}

async function openWatchers(nodes: readonly RunningServer[]): Promise<Map<string, TestSocket>> {
  const sockets = new Map<string, TestSocket>();
  for (const [position, watcher] of watchers.entries()) {
    const node = nodes[position % nodes.length] as RunningServer;
    sockets.set(watcher, await openReadySocket(node.url, await tokens.issue(watcher)));
  }
  return sockets;
}

const raceProperty = (cluster: () => Cluster) =>
  fc.asyncProperty(catalogArbitrary, pushesArbitrary, (catalog, plans) =>
    runRace(cluster(), catalog, plans),
  );

describe.each(storeKinds)("concurrent pushers on %s", (kind) => {
  describe.skipIf(isStoreUnavailable(kind))("", () => {
    let cluster: Cluster;
    let drop = async () => {};

    beforeAll(async () => {
      const store = await makeStoreConfig(kind);
      drop = store.drop;
      // Small batches, so that pushes which do not fit wait for the next one.
      const config = { ...store.config, security: unlimitedSecurity, pushBatchMaxOps: 8 };
      const testHooks = { beforeCommit: jitterBeforeCommit };
      const node = await startServer({ config, logger: silentLogger, testHooks });
      cluster = { nodes: [node], sockets: await openWatchers([node]) };
    });
    afterAll(async () => {
      for (const socket of cluster?.sockets.values() ?? []) socket.close();
      for (const node of cluster?.nodes ?? []) await node.close();
      await drop();
    });

    test("logs, results and fanout hold", async () => {
      await fc.assert(
        raceProperty(() => cluster),
        { ...fuzzParameters(3), endOnFailure: true },
      );
    }, 60_000);
  });
});

describe.skipIf(isStoreUnavailable("postgres"))("concurrent pushers on two nodes", () => {
  let cluster: Cluster;
  let drop = async () => {};

  beforeAll(async () => {
    const store = await makeStoreConfig("postgres");
    drop = store.drop;
    const config = { ...store.config, security: unlimitedSecurity };
    const testHooks = { beforeCommit: jitterBeforeCommit };
    const nodes: RunningServer[] = [];
    for (let count = 0; count < 2; count++) {
      nodes.push(await startServer({ config, logger: silentLogger, testHooks }));
    }
    cluster = { nodes, sockets: await openWatchers(nodes) };
  });
  afterAll(async () => {
    for (const socket of cluster?.sockets.values() ?? []) socket.close();
    for (const node of cluster?.nodes ?? []) await node.close();
    await drop();
  });

  test("logs, results and fanout hold", async () => {
    await fc.assert(
      raceProperty(() => cluster),
      { ...fuzzParameters(6), endOnFailure: true },
    );
  }, 60_000);
});
