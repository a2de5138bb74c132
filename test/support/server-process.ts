import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const repositoryRoot = fileURLToPath(new URL("../../", import.meta.url));

/** A server started as its own process, the way `npm start` runs it. */
export interface ServerProcess {
  url: string;
  pid: number;
  /** Stdout and stderr lines seen so far, for failure messages. */
  output: string[];
  /** Resolves with the exit code once the process has exited (null after a signal). */
  exited: Promise<number | null>;
  /** Sends a signal and waits until the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Spawns `packages/server/src/main.ts` under Node with tsx, and resolves
 * once it logs "server started". The child is Node itself, not a wrapper,
 * so SIGKILL reaches the process that has the store open.
 */
export async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "packages/server/src/main.ts"], {
    cwd: repositoryRoot,
    env: { ...process.env, HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const url = await waitForStart(child, output);
  return {
    url,
    pid: child.pid as number,
    output,
    exited,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill(signal);
      await exited;
    },
  };
}

function waitForStart(child: ChildProcess, output: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`Server did not start within 30 s. Output:\n${output.join("\n")}`));
    }, 30_000);
    const onLine = (line: string) => {
      output.push(line);
      const url = startedUrl(line);
      if (url === undefined) return;
      clearTimeout(timer);
      resolve(url);
    };
    readLines(child.stdout, onLine);
    readLines(child.stderr, onLine);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`Server exited (${code ?? signal}) before it started:\n${output.join("\n")}`),
      );
    });
  });
}

function startedUrl(line: string): string | undefined {
  try {
    const entry = JSON.parse(line) as { msg?: string; url?: string };
    return entry.msg === "server started" ? entry.url : undefined;
  } catch {
    return undefined;
  }
}

function readLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  let buffered = "";
  stream?.setEncoding("utf8");
  stream?.on("data", (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) onLine(line);
  });
}
