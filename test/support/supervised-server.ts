import { type ServerProcess, spawnServer } from "./server-process.ts";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.ts";

/** A server process behind a TCP proxy that is started again whenever it exits on its own. */
export interface SupervisedServer {
  /** The proxy's URL, which stays the same across restarts. */
  url: string;
  proxy: TcpProxy;
  /** Output lines of every process that exited on its own, for failure messages. */
  crashOutput: string[][];
  /** Stops the current process and the proxy; idempotent. */
  stop(): Promise<void>;
}

/**
 * Runs `packages/server/src/main.ts` the way a service manager with
 * restart-on-failure would: when the process exits without being asked to,
 * a new one starts on the same environment and the proxy switches to it.
 */
export async function startSupervisedServer(
  env: Record<string, string>,
): Promise<SupervisedServer> {
  let current = await spawnServer(env);
  const proxy = await startTcpProxy(Number(new URL(current.url).port));
  const crashOutput: string[][] = [];
  let stopping = false;

  const watch = (server: ServerProcess) => {
    void server.exited.then(async () => {
      if (stopping) return;
      crashOutput.push(server.output);
      const next = await respawn(env, () => stopping);
      if (next === undefined) return;
      current = next;
      proxy.setTargetPort(Number(new URL(current.url).port));
      watch(current);
    });
  };
  watch(current);

  let stopped: Promise<void> | undefined;
  return {
    url: proxy.url,
    proxy,
    crashOutput,
    stop() {
      stopping = true;
      stopped ??= (async () => {
        await current.stop("SIGKILL");
        await proxy.close();
      })();
      return stopped;
    },
  };
}

/** Starts the server again until it comes up, as it fails while the store is down. */
async function respawn(
  env: Record<string, string>,
  isStopping: () => boolean,
): Promise<ServerProcess | undefined> {
  while (!isStopping()) {
    try {
      const server = await spawnServer(env);
      if (!isStopping()) return server;
      await server.stop("SIGKILL");
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return undefined;
}
