import { connect as connectNats, type NatsConnection } from "@nats-io/transport-node";
import type { ServerFrame } from "@syncline/protocol";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { ensureNats, type TestNats } from "../../../../test/support/nats.ts";
import {
  createTemporaryDatabase,
  type TemporaryDatabase,
} from "../../../../test/support/postgres.ts";
import { createTokenAuthority } from "../auth/tokens.ts";
import { type Config, loadConfig } from "../config.ts";
import { type RunningServer, startServer } from "../server.ts";
import { makeMessage } from "../testing/builders.ts";
import { isStoreUnavailable, silentLogger, testSecret } from "../testing/harness.ts";
import { openReadySocket, type TestSocket } from "../testing/socket-client.ts";

const tokens = createTokenAuthority(testSecret);

/** Delivery normally takes milliseconds, and this allows for a loaded two-core machine. */
const deliveryTimeoutMs = 5000;

/** How long the other cluster is watched for leaked frames once this cluster has its frames. */
const leakWindowMs = 750;

/**
 * Ids that both clusters use. Dots, `*`, `>` and spaces are special in NATS
 * subjects, so they check how ids are encoded into subject tokens too.
 * Conversation ids cannot contain `*`, `>` or spaces, but user ids can.
 */
const conversationId = "room.1:a";
const sender = "ann.*";
const receiver = "ben >";

/** Frame types that carry a conversation's data to its members. */
const conversationFrameTypes = new Set<ServerFrame["type"]>([
  "notify",
  "typing",
  "read",
  "delivered",
]);

/** Polls until a frame of `type` matching `predicate` arrived on the socket. */
async function waitForFrame<T extends ServerFrame["type"]>(
  socket: TestSocket,
  type: T,
  predicate: (frame: Extract<ServerFrame, { type: T }>) => boolean,
): Promise<void> {
  await vi.waitFor(
    () => {
      const found = socket.frames.some((frame) => frame.type === type && predicate(frame as never));
      if (!found) throw new Error(`No matching ${type} frame yet.`);
    },
    { timeout: deliveryTimeoutMs },
  );
}

function conversationFrames(socket: TestSocket, fromIndex: number): ServerFrame[] {
  return socket.frames
    .slice(fromIndex)
    .filter(
      (frame) =>
        conversationFrameTypes.has(frame.type) &&
        "conversationId" in frame &&
        frame.conversationId === conversationId,
    );
}

/** One cluster: its own database and nodes, sharing the NATS server with the other cluster. */
interface Cluster {
  database: TemporaryDatabase;
  nodes: RunningServer[];
}

async function startCluster(
  natsUrl: string,
  nodeCount: number,
  subjectPrefix?: string,
): Promise<Cluster> {
  const database = await createTemporaryDatabase("syncline_nats_cluster");
  const env = { AUTH_SECRET: testSecret, LOG_LEVEL: "silent", NATS_SUBJECT_PREFIX: subjectPrefix };
  const config: Config = {
    ...loadConfig(env),
    port: 0,
    databaseUrl: database.url,
    natsUrl,
  };
  const nodes: RunningServer[] = [];
  for (let index = 0; index < nodeCount; index++) {
    nodes.push(await startServer({ config, logger: silentLogger }));
  }
  return { database, nodes };
}

function nodeOf(cluster: Cluster | undefined, index: number): RunningServer {
  const node = cluster?.nodes[index];
  if (node === undefined) throw new Error(`Cluster node ${index} did not start.`);
  return node;
}

async function call(node: RunningServer, userId: string, path: string, body: unknown) {
  const response = await fetch(`${node.url}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${await tokens.issue(userId)}`,
      "content-type": "application/json",
    },
    body: JSON.stringify(body),
  });
  expect(response.status).toBeLessThan(300);
  return response.json();
}

describe.skipIf(isStoreUnavailable("postgres"))("two clusters on one NATS server", () => {
  let nats: TestNats;
  let first: Cluster | undefined;
  let second: Cluster | undefined;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    nats = await ensureNats();
    first = await startCluster(nats.url, 2);
    second = await startCluster(nats.url, 1);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    for (const cluster of [first, second]) {
      for (const node of cluster?.nodes ?? []) await node.close();
      await cluster?.database.drop();
    }
    await nats?.stop();
  });

  async function connect(node: RunningServer, userId: string): Promise<TestSocket> {
    const socket = await openReadySocket(node.url, await tokens.issue(userId));
    sockets.push(socket);
    return socket;
  }

  test("frames stay in their cluster", async () => {
    const nodeA = nodeOf(first, 0);
    const nodeB = nodeOf(first, 1);
    const otherNode = nodeOf(second, 0);
    const members = [sender, receiver];
    await call(nodeA, sender, "/v1/conversations", { id: conversationId, members });
    await call(otherNode, sender, "/v1/conversations", { id: conversationId, members });
    const senderSocket = await connect(nodeA, sender);
    const receiverSocket = await connect(nodeB, receiver);
    const otherSender = await connect(otherNode, sender);
    const otherReceiver = await connect(otherNode, receiver);
    const otherStarts = [otherSender.frames.length, otherReceiver.frames.length];

    await call(nodeA, sender, "/v1/push", { ops: [makeMessage(conversationId, "hello")] });
    senderSocket.send({ type: "typing", conversationId });
    await call(nodeB, receiver, `/v1/conversations/${conversationId}/read`, { seq: 1 });

    await waitForFrame(
      receiverSocket,
      "notify",
      (frame) => frame.conversationId === conversationId && frame.latestSeq === 1,
    );
    await waitForFrame(
      receiverSocket,
      "typing",
      (frame) => frame.conversationId === conversationId && frame.userId === sender,
    );
    await waitForFrame(
      senderSocket,
      "read",
      (frame) => frame.conversationId === conversationId && frame.userId === receiver,
    );
    await new Promise((resolve) => setTimeout(resolve, leakWindowMs));

    expect(conversationFrames(otherSender, otherStarts[0] ?? 0)).toEqual([]);
    expect(conversationFrames(otherReceiver, otherStarts[1] ?? 0)).toEqual([]);
  });
});

describe.skipIf(isStoreUnavailable("postgres"))("configured NATS subject prefix", () => {
  const prefix = `syncline_test_${process.pid}_${Date.now()}`;
  const subjects: string[] = [];
  let nats: TestNats;
  let watcher: NatsConnection | undefined;
  let cluster: Cluster | undefined;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    nats = await ensureNats();
    watcher = await connectNats({ servers: nats.url, name: "syncline-test-watcher" });
    watcher.subscribe(`${prefix}.>`, {
      callback: (_error, message) => {
        subjects.push(message.subject);
      },
    });
    await watcher.flush();
    cluster = await startCluster(nats.url, 1, prefix);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    for (const node of cluster?.nodes ?? []) await node.close();
    await cluster?.database.drop();
    await watcher?.drain();
    await nats?.stop();
  });

  test("subjects use the prefix", async () => {
    const node = nodeOf(cluster, 0);
    const socket = await openReadySocket(node.url, await tokens.issue(sender));
    sockets.push(socket);

    await call(node, sender, "/v1/conversations", { id: conversationId, members: [sender] });
    await call(node, sender, "/v1/push", { ops: [makeMessage(conversationId, "hello")] });

    await vi.waitFor(
      () => {
        expect(subjects).toContain(`${prefix}.presence`);
        expect(subjects.some((subject) => subject.startsWith(`${prefix}.user.`))).toBe(true);
        expect(subjects.some((subject) => subject.startsWith(`${prefix}.conversation.`))).toBe(
          true,
        );
      },
      { timeout: deliveryTimeoutMs },
    );
  });
});
