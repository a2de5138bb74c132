import { monitorEventLoopDelay } from "node:perf_hooks";

/** CPU, memory and event-loop delay of this process since the last reset. */
export interface ProbeReading {
  cpuUserMs: number;
  cpuSystemMs: number;
  rssBytes: number;
  peakRssBytes: number;
  heapUsedBytes: number;
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/** How often the peak RSS is sampled. */
const rssSampleMs = 20;

/**
 * Measures the process it runs in: CPU deltas from process.cpuUsage, RSS
 * sampled every 20 ms for its peak, and event-loop delay from
 * perf_hooks.monitorEventLoopDelay at 10 ms resolution.
 */
export function createProcessProbe() {
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  let cpuStart = process.cpuUsage();
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, rssSampleMs);
  sampler.unref();

  return {
    reset(): void {
      (globalThis as { gc?: () => void }).gc?.();
      loopDelay.reset();
      cpuStart = process.cpuUsage();
      peakRss = process.memoryUsage.rss();
    },
    read(): ProbeReading {
      (globalThis as { gc?: () => void }).gc?.();
      const cpu = process.cpuUsage(cpuStart);
      const memory = process.memoryUsage();
      return {
        cpuUserMs: cpu.user / 1000,
        cpuSystemMs: cpu.system / 1000,
        rssBytes: memory.rss,
        peakRssBytes: Math.max(peakRss, memory.rss),
        heapUsedBytes: memory.heapUsed,
        loopDelayP50Ms: loopDelay.percentile(50) / 1e6,
        loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
        loopDelayMaxMs: loopDelay.max / 1e6,
      };
    },
    stop(): void {
      clearInterval(sampler);
      loopDelay.disable();
    },
  };
}
