import { open, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";

/** The lock file's name inside a PGlite data folder. */
export const lockFileName = "syncline.lock";

/** A held data folder lock. */
export interface DataDirLock {
  /** Removes the lock file if this process still owns it; idempotent. */
  release(): Promise<void>;
}

/** The error thrown when another live process has locked the data folder. */
export class DataDirLockedError extends Error {
  override readonly name = "DataDirLockedError";
  readonly pid: number;

  constructor(dataDir: string, pid: number) {
    super(
      `Data folder ${dataDir} is in use by process ${pid}; stop that process or set DATA_DIR to another folder.`,
    );
    this.pid = pid;
  }
}

/**
 * Takes the data folder for this process by creating a lock file that
 * holds its pid. PGlite has no lock of its own, and two processes writing
 * one folder corrupt it. A lock left by a process that is gone (its pid
 * is not alive) is taken over.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const path = join(dataDir, lockFileName);
  if (!(await tryCreate(path))) {
    const owner = await readOwner(path);
    if (owner !== undefined && isAlive(owner)) throw new DataDirLockedError(dataDir, owner);
    // NOTE: two processes that take over one stale lock at the same moment can
    // both succeed, because reading, unlinking and creating are separate steps.
    await unlink(path).catch(() => {});
    if (!(await tryCreate(path))) {
      throw new DataDirLockedError(dataDir, (await readOwner(path)) ?? -1);
    }
  }

  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      if ((await readOwner(path)) === process.pid) await unlink(path).catch(() => {});
    },
  };
}

async function tryCreate(path: string): Promise<boolean> {
  try {
    const file = await open(path, "wx");
    await file.writeFile(`${process.pid}\n`);
    await file.close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

async function readOwner(path: string): Promise<number | undefined> {
  const text = await readFile(path, "utf8").catch(() => "");
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Tells whether a process exists; EPERM means it exists under another user. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
