import { type ChildProcess, spawn } from "node:child_process";
import { connect as connectTcp } from "node:net";

/** The NATS server the tests use; one runs on this port on the development machine. */
export const testNatsUrl = "nats://127.0.0.1:4222";

/** A NATS server that the tests can use, and a stop that ends it only if the tests started it. */
export interface TestNats {
  url: string;
  stop(): Promise<void>;
}

function isReachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * Returns the NATS server on 127.0.0.1:4222, starting `nats-server` there
 * when the port is closed. A server found running is never stopped.
 */
export async function ensureNats(): Promise<TestNats> {
  const port = 4222;
  if (await isReachable(port)) return { url: testNatsUrl, stop: async () => {} };
  const child: ChildProcess = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port)], {
    stdio: "ignore",
  });
  child.on("error", () => {});
  for (let attempt = 0; attempt < 100 && !(await isReachable(port)); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!(await isReachable(port))) {
    throw new Error(
      `No NATS server on 127.0.0.1:${port}, and nats-server did not start; install it.`,
    );
  }
  return {
    url: testNatsUrl,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
