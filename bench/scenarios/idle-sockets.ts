import type { ProbeReading } from "../children/process-probe.ts";
import type { BenchChild } from "../support/child.ts";
import { costRow } from "../support/report.ts";
import { type OpenReply, startRawWsTarget, startSocketChild } from "../support/sockets.ts";
import { delay } from "../support/stats.ts";
import { startServerTarget } from "../support/target.ts";
import { type Scenario, sized } from "./context.ts";

/** Time for the heap to settle after the last socket opens, before memory is read. */
const settleMs = 1_000;

/**
 * Idle sockets: the server's memory per authenticated idle socket, as the
 * RSS and heap growth (after a GC) over opening them, against a bare `ws`
 * server holding the same sockets.
 */
export const idleSockets: Scenario = {
  name: "idle",
  async run(context) {
    const socketCount = sized(context, { tiny: 20, quick: 2_000, full: 10_000 });
    const userIds = Array.from({ length: socketCount }, (_, i) => `i${i}`);
    const sockets = await startSocketChild();
    try {
      const server = await startServerTarget(context.store, context.postgresUrl);
      let serverGrowth: MemoryGrowth;
      try {
        serverGrowth = await measureGrowth(sockets, server, userIds);
      } finally {
        await sockets.request("close");
        await server.close();
      }
      const raw = await startRawWsTarget();
      let rawGrowth: MemoryGrowth;
      try {
        rawGrowth = await measureGrowth(sockets, raw, userIds);
      } finally {
        await sockets.request("close");
        await raw.close();
      }

      const base = { scenario: "5 idle sockets", store: context.store, unit: "KiB/socket" };
      context.rows.push(
        costRow({
          ...base,
          measure: `RSS per idle socket, ${socketCount} sockets`,
          value: serverGrowth.rssPerSocketKiB,
          ceilingName: "raw ws",
          ceiling: rawGrowth.rssPerSocketKiB,
        }),
        costRow({
          ...base,
          measure: `heap per idle socket, ${socketCount} sockets`,
          value: serverGrowth.heapPerSocketKiB,
          ceilingName: "raw ws",
          ceiling: rawGrowth.heapPerSocketKiB,
        }),
      );
    } finally {
      await sockets.stop();
    }
  },
};

interface MemoryGrowth {
  rssPerSocketKiB: number;
  heapPerSocketKiB: number;
}

async function measureGrowth(
  sockets: BenchChild,
  target: { url: string; readProbe(): Promise<ProbeReading> },
  userIds: readonly string[],
): Promise<MemoryGrowth> {
  // A first round warms the heap and the allocator, so the growth measured next is the sockets'.
  await openAll(sockets, target.url, userIds);
  await sockets.request("close");
  await delay(settleMs);
  const before = await target.readProbe();
  await openAll(sockets, target.url, userIds);
  await delay(settleMs);
  const after = await target.readProbe();
  const perSocketKiB = (bytes: number) => bytes / 1024 / userIds.length;
  return {
    rssPerSocketKiB: perSocketKiB(after.rssBytes - before.rssBytes),
    heapPerSocketKiB: perSocketKiB(after.heapUsedBytes - before.heapUsedBytes),
  };
}

async function openAll(sockets: BenchChild, url: string, userIds: readonly string[]) {
  const opened = await sockets.request<OpenReply>("open", { url, userIds }, 300_000);
  if (opened.failed > 0) throw new Error(`${opened.failed} of ${userIds.length} sockets failed.`);
}
