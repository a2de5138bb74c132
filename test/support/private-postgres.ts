import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chown, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** OS user that owns and runs the cluster when the tests run as root, because initdb rejects root. */
const clusterUser = "postgres";

/** How `pg_ctl` shuts the postmaster down: `fast` rolls back sessions, `immediate` crashes it. */
export type ShutdownMode = "fast" | "immediate";

/** A Postgres cluster that one test file creates, owns and may restart. */
export interface PrivateCluster {
  /** URL of the `postgres` database as the `postgres` superuser, over TCP on 127.0.0.1. */
  url: string;
  port: number;
  /** `pg_ctl restart -m mode`: stops the postmaster and starts it again on the same data dir. */
  restart(mode: ShutdownMode): Promise<void>;
  /** `pg_ctl stop -m mode`, leaving the cluster down until `start()`. */
  stop(mode: ShutdownMode): Promise<void>;
  /** `pg_ctl start`. After an immediate stop, Postgres replays the WAL before it accepts connections. */
  start(): Promise<void>;
  /** Stops the postmaster of this data dir, if it runs, and removes the temp dir; idempotent. */
  destroy(): Promise<void>;
}

/**
 * Finds Debian's Postgres server binaries and the account to run them as.
 * Returns the binary folder, or the reason why a private cluster cannot be
 * made here, for `skipIf` messages.
 */
export function findClusterBinaries(): { binDir: string } | { missing: string } {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => /^\d+$/.test(name))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const binDir = versions
    .map((version) => join(root, version, "bin"))
    .find((dir) => ["initdb", "pg_ctl", "postgres"].every((bin) => existsSync(join(dir, bin))));
  if (binDir === undefined) {
    return { missing: `no initdb, pg_ctl and postgres under ${root}/<version>/bin` };
  }
  if (isRoot() && !existsSync("/usr/sbin/runuser") && !existsSync("/sbin/runuser")) {
    return { missing: "runuser is missing, and initdb must not run as root" };
  }
  return { binDir };
}

/**
 * Creates a cluster with initdb in a fresh temp dir and starts it on a free
 * port of 127.0.0.1, with its unix socket in the temp dir and trust auth.
 * As root, the binaries run as the `postgres` OS user, which owns the dir.
 */
export async function createPrivateCluster(binDir: string): Promise<PrivateCluster> {
  const owner = isRoot() ? await lookUpUser(clusterUser) : undefined;
  const baseDir = await mkdtemp(join(tmpdir(), "syncline-pg-"));
  if (owner !== undefined) await chown(baseDir, owner.uid, owner.gid);
  const dataDir = join(baseDir, "data");
  const logFile = join(baseDir, "postgres.log");
  const pgCtl = (...args: string[]) =>
    runAsOwner(owner !== undefined, join(binDir, "pg_ctl"), ["-D", dataDir, ...args]);

  const destroy = async () => {
    await stopIfRunning(dataDir, pgCtl);
    await rm(baseDir, { recursive: true, force: true });
  };
  try {
    await runAsOwner(owner !== undefined, join(binDir, "initdb"), [
      "-D",
      dataDir,
      "-U",
      "postgres",
      "--auth=trust",
      "--encoding=UTF8",
      "--no-sync",
    ]);
    const port = await findFreePort();
    // postgresql.auto.conf is read on every start, so restarts keep the address and port.
    const settings = [
      "listen_addresses = '127.0.0.1'",
      `port = ${port}`,
      `unix_socket_directories = '${baseDir}'`,
      "max_connections = 50",
      "shared_buffers = '32MB'",
    ];
    await writeFile(join(dataDir, "postgresql.auto.conf"), `${settings.join("\n")}\n`);
    if (owner !== undefined)
      await chown(join(dataDir, "postgresql.auto.conf"), owner.uid, owner.gid);
    const start = () => pgCtl("-l", logFile, "-w", "-t", "60", "start").then(() => undefined);
    await start();
    let destroyed: Promise<void> | undefined;
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      async restart(mode) {
        await pgCtl("-l", logFile, "-w", "-t", "60", "-m", mode, "restart");
      },
      async stop(mode) {
        await pgCtl("-w", "-t", "60", "-m", mode, "stop");
      },
      start,
      destroy() {
        destroyed ??= destroy();
        return destroyed;
      },
    };
  } catch (error) {
    const log = await readFile(logFile, "utf8").catch(() => "");
    await destroy();
    throw new Error(`Private Postgres cluster failed to start: ${String(error)}\n${log}`);
  }
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

async function lookUpUser(name: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run("id", ["-u", name]), run("id", ["-g", name])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Returns why a private cluster cannot run here, or undefined when it can.
 * With CI=true it throws instead, because CI must not skip these suites.
 */
export async function privateClusterSkipReason(): Promise<string | undefined> {
  const binaries = findClusterBinaries();
  let reason: string | undefined;
  if ("missing" in binaries) {
    reason = binaries.missing;
  } else if (isRoot() && !(await userExists())) {
    reason = `the ${clusterUser} OS user is missing, and initdb must not run as root`;
  }
  if (reason !== undefined && process.env.CI === "true") {
    throw new Error(`A private Postgres cluster cannot run in CI: ${reason}.`);
  }
  return reason;
}

/** Tells whether an OS user exists. */
export async function userExists(name = clusterUser): Promise<boolean> {
  try {
    await run("id", ["-u", name]);
    return true;
  } catch {
    return false;
  }
}

async function runAsOwner(asOwner: boolean, file: string, args: string[]): Promise<string> {
  // runuser keeps the working dir, and root's may be unreadable to the postgres user.
  const options = { cwd: tmpdir(), timeout: 120_000 };
  const { stdout } = asOwner
    ? await run("runuser", ["-u", clusterUser, "--", file, ...args], options)
    : await run(file, args, options);
  return stdout;
}

/** Stops the postmaster that `postmaster.pid` in `dataDir` names, by pg_ctl on that dir only. */
async function stopIfRunning(
  dataDir: string,
  pgCtl: (...args: string[]) => Promise<string>,
): Promise<void> {
  if (!existsSync(join(dataDir, "postmaster.pid"))) return;
  try {
    await pgCtl("-w", "-t", "30", "-m", "immediate", "stop");
  } catch {
    // pg_ctl failed, so signal the postmaster of this data dir by the pid it wrote.
    const pidText = await readFile(join(dataDir, "postmaster.pid"), "utf8").catch(() => "");
    const pid = Number(pidText.split("\n")[0]);
    if (Number.isInteger(pid) && pid > 0) {
      try {
        process.kill(pid, "SIGQUIT");
      } catch {
        // The postmaster has already exited.
      }
    }
  }
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
