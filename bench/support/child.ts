import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const repositoryRoot = fileURLToPath(new URL("../../", import.meta.url));

/** The open-file limit requested for each child, capped by the hard limit. */
const wantedOpenFiles = 65_536;

/** A Node child run with tsx and an IPC channel, spoken to by request and reply. */
export interface BenchChild {
  pid: number;
  /** Sends `{ type, ...body }` and resolves with the child's reply to it. */
  request<T>(type: string, body?: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  /** Asks the child to exit, then kills it if it has not exited within 10 s. */
  stop(): Promise<void>;
}

/**
 * Spawns `bench/children/<script>` under Node with tsx, through `sh` so that
 * `ulimit -n` can be raised for it first, and waits for its "started" reply.
 */
export async function spawnChild(
  script: string,
  env: Record<string, string>,
  nodeFlags: readonly string[] = [],
): Promise<BenchChild & { started: Record<string, unknown> }> {
  const command = [
    `ulimit -n ${wantedOpenFiles} 2>/dev/null || ulimit -n "$(ulimit -Hn)"`,
    `exec "${process.execPath}" ${nodeFlags.join(" ")} --import tsx bench/children/${script}`,
  ].join("; ");
  const child = spawn("sh", ["-c", command], {
    cwd: repositoryRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const replies = new Map<number, (message: Record<string, unknown>) => void>();
  let nextId = 1;
  child.on("message", (message: Record<string, unknown>) => {
    const resolve = replies.get(message.id as number);
    replies.delete(message.id as number);
    resolve?.(message);
  });
  const started = await awaitStarted(child, script);

  const request = <T>(type: string, body: Record<string, unknown> = {}, timeoutMs = 120_000) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        replies.delete(id);
        reject(new Error(`${script} did not reply to ${type} within ${timeoutMs} ms.`));
      }, timeoutMs);
      replies.set(id, (message) => {
        clearTimeout(timer);
        if (typeof message.error === "string") reject(new Error(`${script}: ${message.error}`));
        else resolve(message as T);
      });
      child.send({ ...body, type, id });
    });

  return {
    pid: child.pid as number,
    started,
    request,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      child.send({ type: "exit", id: 0 });
      await exited;
      clearTimeout(killer);
    },
  };
}

function awaitStarted(child: ChildProcess, script: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} did not start within 60 s.`));
    }, 60_000);
    child.once("message", (message: Record<string, unknown>) => {
      clearTimeout(timer);
      resolve(message);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code ?? signal}) before it started.`));
    });
  });
}
