import { messageOp, signToken } from "../support/api.ts";
import { runClosedLoop, runOpenLoop } from "../support/load.ts";
import { seedRawConversations } from "../support/raw-db.ts";
import { rawPush } from "../support/raw-push.ts";
import { costRow } from "../support/report.ts";
import { openReadySocket } from "../support/socket.ts";
import { monotonicMs, summarise } from "../support/stats.ts";
import { openRawTarget, type ServerTarget, startServerTarget } from "../support/target.ts";
import { forEachLimited, type Scenario, type ScenarioContext, sized } from "./context.ts";
import { maxPushRateKey } from "./push-throughput.ts";

const conversationCount = 100;
const maxInFlight = 512;

/**
 * End-to-end latency at 50% and 90% of the push rate measured by the
 * push scenario, paced open-loop: push sent to HTTP ack, and push sent to
 * the recipient's socket receiving the notify. The ceiling is the raw
 * driver's one-message transaction at the same rate.
 */
export const latency: Scenario = {
  name: "latency",
  async run(context) {
    const durationMs = sized(context, { tiny: 300, quick: 2_000, full: 8_000 });
    const conversationIds = Array.from({ length: conversationCount }, (_, i) => `l${i}`);
    const server = await startServerTarget(context.store, context.postgresUrl);
    const raw = await openRawTarget(context.store, context.postgresUrl);
    try {
      const senderToken = await signToken("sender");
      await forEachLimited(conversationIds, 8, (id) =>
        server.driver.createConversation(senderToken, id, ["reader"]),
      );
      await seedRawConversations(raw.db, conversationIds, ["sender", "reader"]);
      const maxRate = await maxPushRate(context, server, senderToken, conversationIds);

      for (const load of [0.5, 0.9]) {
        const ratePerSec = Math.max(1, maxRate * load);
        const measured = await measureServer(server, senderToken, conversationIds, {
          ratePerSec,
          durationMs,
        });
        const rawRun = await runOpenLoop({
          ratePerSec,
          durationMs,
          maxInFlight,
          request: (index) =>
            rawPush(raw.db, "sender", [
              messageOp(conversationIds[index % conversationCount] as string),
            ]),
        });
        addRows(context, { load, ratePerSec, ...measured, rawLatenciesMs: rawRun.latenciesMs });
      }
    } finally {
      await server.close();
      await raw.close();
    }
  },
};

async function maxPushRate(
  context: ScenarioContext,
  server: ServerTarget,
  token: string,
  conversationIds: readonly string[],
): Promise<number> {
  const known = context.shared.get(`${maxPushRateKey}.${context.store}`);
  if (known !== undefined && known > 0) return known;
  const result = await runClosedLoop({
    workers: 32,
    durationMs: 1_000,
    maxRequests: 100_000,
    request: async (worker) =>
      (await server.driver.push(token, [messageOp(conversationIds[worker] as string)])).length,
  });
  context.log(`push rate measured here: ${Math.round(result.opsPerSec)} ops/s`);
  return result.opsPerSec;
}

async function measureServer(
  server: ServerTarget,
  token: string,
  conversationIds: readonly string[],
  pacing: { ratePerSec: number; durationMs: number },
) {
  const scheduledByClientId = new Map<string, number>();
  const notifyLatenciesMs: number[] = [];
  const reader = await openReadySocket(server.url, await signToken("reader"), (frame) => {
    if (frame.type !== "notify") return;
    for (const event of frame.events ?? []) {
      const scheduledMs = scheduledByClientId.get(event.clientId);
      if (scheduledMs !== undefined) notifyLatenciesMs.push(monotonicMs() - scheduledMs);
    }
  });
  try {
    await server.resetProbe();
    const run = await runOpenLoop({
      ...pacing,
      maxInFlight,
      request: async (index, scheduledMs) => {
        const op = messageOp(conversationIds[index % conversationCount] as string);
        scheduledByClientId.set(op.clientId, scheduledMs);
        await server.driver.push(token, [op]);
      },
    });
    const probe = await server.readProbe();
    // Notifies still on their way after the last ack get a bounded wait.
    const until = monotonicMs() + 2_000;
    while (notifyLatenciesMs.length < run.sent && monotonicMs() < until) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return { ackLatenciesMs: run.latenciesMs, notifyLatenciesMs, skipped: run.skipped, probe };
  } finally {
    reader.close();
  }
}

function addRows(
  context: ScenarioContext,
  measured: Awaited<ReturnType<typeof measureServer>> & {
    load: number;
    ratePerSec: number;
    rawLatenciesMs: number[];
  },
): void {
  const ack = summarise(measured.ackLatenciesMs);
  const notify = summarise(measured.notifyLatenciesMs);
  const raw = summarise(measured.rawLatenciesMs);
  const label = `${Math.round(measured.load * 100)}% load (${Math.round(measured.ratePerSec)} ops/s)`;
  const base = { scenario: "2 latency", store: context.store, unit: "ms" };
  for (const key of ["p50", "p99", "max"] as const) {
    context.rows.push(
      costRow({
        ...base,
        measure: `push ack ${key}, ${label}`,
        value: ack[key],
        ceilingName: `raw transaction ${key}, same rate`,
        ceiling: raw[key],
      }),
      costRow({
        ...base,
        measure: `push to notify ${key}, ${label}`,
        value: notify[key],
        ceilingName: `raw transaction ${key}, same rate`,
        ceiling: raw[key],
      }),
    );
  }
  context.rows.push(
    costRow({
      ...base,
      measure: `server event-loop delay p99 while pushing, ${label}`,
      value: measured.probe.loopDelayP99Ms,
      ceilingName: "target",
      ceiling: 20,
    }),
  );
  context.log(
    `${label}: ${measured.skipped} sends skipped, ${notify.count}/${ack.count} notifies seen`,
  );
}
