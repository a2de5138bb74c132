import { messageOp, signToken } from "../support/api.ts";
import type { BenchChild } from "../support/child.ts";
import { costRow } from "../support/report.ts";
import {
  type NotifyReply,
  type OpenReply,
  startRawWsTarget,
  startSocketChild,
} from "../support/sockets.ts";
import { monotonicMs, summarise } from "../support/stats.ts";
import { type ServerTarget, startServerTarget } from "../support/target.ts";
import { forEachLimited, type Scenario, type ScenarioContext, sized } from "./context.ts";

const createMembersMax = 1000;

/**
 * Fanout: one message into a conversation whose members are all online,
 * timed to the last socket's notify, with the server's CPU per delivered
 * frame. The ceiling is a bare `ws` server broadcasting the same frame.
 */
export const fanout: Scenario = {
  name: "fanout",
  async run(context) {
    for (const memberCount of sized(context, {
      tiny: [20],
      quick: [1_000],
      full: [1_000, 10_000],
    })) {
      await runSize(context, memberCount);
    }
  },
};

async function runSize(context: ScenarioContext, memberCount: number): Promise<void> {
  const rounds = sized(context, { tiny: 3, quick: 10, full: 30 });
  const userIds = Array.from({ length: memberCount }, (_, i) => `m${i}`);
  const server = await startServerTarget(context.store, context.postgresUrl);
  const sockets = await startSocketChild();
  try {
    const ownerToken = await signToken("owner");
    await createConversation(server, ownerToken, "fan", userIds);
    await openSockets(context, sockets, server.url, userIds);
    const measured = await measureServer(server, sockets, ownerToken, rounds);
    await sockets.request("close");
    const ceiling = await measureRawWs(context, sockets, userIds, measured.frameText, rounds);
    addRows(context, memberCount, measured, ceiling);
  } finally {
    await sockets.stop();
    await server.close();
  }
}

async function createConversation(
  server: ServerTarget,
  ownerToken: string,
  id: string,
  userIds: readonly string[],
): Promise<void> {
  await server.driver.createConversation(ownerToken, id, userIds.slice(0, createMembersMax));
  // TODO: seed large member lists faster, because each member past the first 1,000 is one
  // POST and one event here, which took 8 minutes for 10,000 members on PGlite.
  await forEachLimited(userIds.slice(createMembersMax), 16, (userId) =>
    server.driver.addMember(ownerToken, id, userId),
  );
}

async function openSockets(
  context: ScenarioContext,
  sockets: BenchChild,
  url: string,
  userIds: readonly string[],
): Promise<void> {
  const opened = await sockets.request<OpenReply>("open", { url, userIds }, 300_000);
  if (opened.failed > 0) throw new Error(`${opened.failed} of ${userIds.length} sockets failed.`);
  context.log(`${userIds.length} sockets ready in ${Math.round(opened.elapsedMs)} ms`);
}

async function measureServer(
  server: ServerTarget,
  sockets: BenchChild,
  ownerToken: string,
  rounds: number,
) {
  const latenciesMs: number[] = [];
  let frameText = "";
  await server.resetProbe();
  for (let round = 0; round < rounds; round++) {
    const op = messageOp("fan");
    const sentMs = monotonicMs();
    const [result] = await server.driver.push(ownerToken, [op]);
    const seq = result?.seq ?? 0;
    const reply = await sockets.request<NotifyReply>("awaitNotify", {
      conversationId: "fan",
      latestSeq: seq,
    });
    if (reply.missing > 0) throw new Error(`${reply.missing} sockets missed notify ${seq}.`);
    latenciesMs.push(reply.lastMs - sentMs);
    const createdAt = new Date().toISOString();
    frameText = JSON.stringify({
      type: "notify",
      conversationId: "fan",
      latestSeq: seq,
      events: [{ ...op, seq, senderId: "owner", createdAt }],
    });
  }
  return { latenciesMs, probe: await server.readProbe(), frameText };
}

async function measureRawWs(
  context: ScenarioContext,
  sockets: BenchChild,
  userIds: readonly string[],
  frameText: string,
  rounds: number,
) {
  const raw = await startRawWsTarget();
  try {
    await openSockets(context, sockets, raw.url, userIds);
    const latenciesMs: number[] = [];
    const frame = JSON.parse(frameText) as { latestSeq: number };
    await raw.resetProbe();
    for (let round = 0; round < rounds; round++) {
      const latestSeq = frame.latestSeq + round + 1;
      const sentMs = monotonicMs();
      await raw.broadcast(JSON.stringify({ ...frame, latestSeq }));
      const reply = await sockets.request<NotifyReply>("awaitNotify", {
        conversationId: "fan",
        latestSeq,
      });
      latenciesMs.push(reply.lastMs - sentMs);
    }
    const probe = await raw.readProbe();
    await sockets.request("close");
    return { latenciesMs, probe };
  } finally {
    await raw.close();
  }
}

function addRows(
  context: ScenarioContext,
  memberCount: number,
  server: Awaited<ReturnType<typeof measureServer>>,
  raw: Awaited<ReturnType<typeof measureRawWs>>,
): void {
  const frames = memberCount * server.latenciesMs.length;
  const cpuPerFrameUs = (probe: typeof server.probe) =>
    ((probe.cpuUserMs + probe.cpuSystemMs) * 1000) / frames;
  const serverLatency = summarise(server.latenciesMs);
  const rawLatency = summarise(raw.latenciesMs);
  const base = { scenario: "3 fanout", store: context.store };
  context.rows.push(
    costRow({
      ...base,
      measure: `server CPU per delivered frame, ${memberCount} members (push included)`,
      value: cpuPerFrameUs(server.probe),
      unit: "µs",
      ceilingName: "raw ws broadcast",
      ceiling: cpuPerFrameUs(raw.probe),
    }),
  );
  for (const key of ["p50", "p99", "max"] as const) {
    context.rows.push(
      costRow({
        ...base,
        measure: `push to last of ${memberCount} sockets, ${key}`,
        value: serverLatency[key],
        unit: "ms",
        ceilingName: `raw ws broadcast to last socket, ${key}`,
        ceiling: rawLatency[key],
      }),
    );
  }
}
