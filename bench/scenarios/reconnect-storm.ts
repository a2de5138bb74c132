import type { ProbeReading } from "../children/process-probe.ts";
import type { BenchChild } from "../support/child.ts";
import { costRow } from "../support/report.ts";
import { type OpenReply, startRawWsTarget, startSocketChild } from "../support/sockets.ts";
import { startServerTarget } from "../support/target.ts";
import { type Scenario, type ScenarioContext, sized } from "./context.ts";

/**
 * Reconnect storm: every socket drops and reconnects at once; the time
 * until all are `ready` again, and the server's peak RSS and event-loop
 * delay meanwhile, against a bare `ws` server taking the same storm.
 */
export const reconnectStorm: Scenario = {
  name: "storm",
  async run(context) {
    const socketCount = sized(context, { tiny: 20, quick: 1_000, full: 5_000 });
    const userIds = Array.from({ length: socketCount }, (_, i) => `r${i}`);
    const sockets = await startSocketChild();
    try {
      const server = await startServerTarget(context.store, context.postgresUrl);
      let serverStorm: Storm;
      try {
        serverStorm = await measureStorm(sockets, server, userIds);
      } finally {
        await sockets.request("close");
        await server.close();
      }
      const raw = await startRawWsTarget();
      let rawStorm: Storm;
      try {
        rawStorm = await measureStorm(sockets, raw, userIds);
      } finally {
        await sockets.request("close");
        await raw.close();
      }
      addRows(context, socketCount, serverStorm, rawStorm);
    } finally {
      await sockets.stop();
    }
  },
};

interface Storm {
  elapsedMs: number;
  probe: ProbeReading;
}

async function measureStorm(
  sockets: BenchChild,
  target: { url: string; resetProbe(): Promise<void>; readProbe(): Promise<ProbeReading> },
  userIds: readonly string[],
): Promise<Storm> {
  const opened = await sockets.request<OpenReply>("open", { url: target.url, userIds }, 300_000);
  if (opened.failed > 0) throw new Error(`${opened.failed} of ${userIds.length} sockets failed.`);
  await target.resetProbe();
  const storm = await sockets.request<OpenReply>("reconnect", {}, 300_000);
  if (storm.failed > 0) throw new Error(`${storm.failed} sockets failed to reconnect.`);
  return { elapsedMs: storm.elapsedMs, probe: await target.readProbe() };
}

function addRows(context: ScenarioContext, socketCount: number, server: Storm, raw: Storm) {
  const base = { scenario: "6 reconnect storm", store: context.store };
  const mib = (bytes: number) => bytes / 1024 / 1024;
  context.rows.push(
    costRow({
      ...base,
      measure: `${socketCount} sockets drop and reconnect: all ready`,
      value: server.elapsedMs,
      unit: "ms",
      ceilingName: "raw ws",
      ceiling: raw.elapsedMs,
    }),
    costRow({
      ...base,
      measure: "server peak RSS during the storm",
      value: mib(server.probe.peakRssBytes),
      unit: "MiB",
      ceilingName: "raw ws",
      ceiling: mib(raw.probe.peakRssBytes),
    }),
    costRow({
      ...base,
      measure: "server event-loop delay p99 during the storm",
      value: server.probe.loopDelayP99Ms,
      unit: "ms",
      ceilingName: "raw ws",
      ceiling: raw.probe.loopDelayP99Ms,
    }),
    costRow({
      ...base,
      measure: "server event-loop delay max during the storm",
      value: server.probe.loopDelayMaxMs,
      unit: "ms",
      ceilingName: "raw ws",
      ceiling: raw.probe.loopDelayMaxMs,
    }),
  );
}
