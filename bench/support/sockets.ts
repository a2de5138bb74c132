import type { ProbeReading } from "../children/process-probe.ts";
import { type BenchChild, spawnChild } from "./child.ts";

/** Opens the socket-holding child process. */
export function startSocketChild(): Promise<BenchChild> {
  return spawnChild("socket-child.ts", {});
}

/** A bare `ws` server in its own process: the ceiling of the socket scenarios. */
export interface RawWsTarget {
  url: string;
  pid: number;
  broadcast(text: string): Promise<void>;
  resetProbe(): Promise<void>;
  readProbe(): Promise<ProbeReading>;
  close(): Promise<void>;
}

/** Starts the raw `ws` server child. */
export async function startRawWsTarget(): Promise<RawWsTarget> {
  const child = await spawnChild("raw-ws-child.ts", {}, ["--expose-gc"]);
  return {
    url: child.started.url as string,
    pid: child.pid,
    broadcast: async (text) => {
      await child.request("broadcast", { text });
    },
    resetProbe: async () => {
      await child.request("reset");
    },
    readProbe: () => child.request<ProbeReading>("read"),
    close: () => child.stop(),
  };
}

/** The reply of the socket child's "open" and "reconnect". */
export interface OpenReply {
  elapsedMs: number;
  failed: number;
}

/** The reply of the socket child's "awaitNotify". */
export interface NotifyReply {
  lastMs: number;
  missing: number;
}
