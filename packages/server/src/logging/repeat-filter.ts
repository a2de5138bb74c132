import type { LogFn, Logger } from "pino";

/** Options of {@link createRepeatFilter}. */
export interface RepeatFilterOptions {
  /** At most one line per kind of warning or error in this window. */
  windowMs: number;
  /** Lowest pino level that is filtered, where 40 is warn. */
  minLevel: number;
  now?: () => number;
}

interface Window {
  startedAtMs: number;
  suppressed: number;
}

/** Kinds tracked at once. Past this, windows that have ended are forgotten. */
const maxKinds = 1000;

/**
 * Creates a pino `logMethod` hook that lets through one line per kind of
 * warning or error per window and drops the repeats. The next line of that
 * kind after the window carries `repeats`, the count of lines dropped in
 * between. A kind is the level, the message and the error's code or name.
 *
 * NOTE: repeats dropped at the end of a burst are only counted once the
 * same kind is logged again, because no timer flushes them.
 */
export function createRepeatFilter(options: RepeatFilterOptions) {
  const now = options.now ?? Date.now;
  const windows = new Map<string, Window>();

  return function logMethod(this: Logger, args: Parameters<LogFn>, method: LogFn, level: number) {
    if (level < options.minLevel) return method.apply(this, args);
    const key = `${level}\u0000${kindOf(args)}`;
    const nowMs = now();
    const window = windows.get(key);
    if (window !== undefined && nowMs - window.startedAtMs < options.windowMs) {
      window.suppressed += 1;
      return;
    }
    if (windows.size >= maxKinds) forgetEnded(windows, nowMs, options.windowMs);
    windows.set(key, { startedAtMs: nowMs, suppressed: 0 });
    const repeats = window?.suppressed ?? 0;
    return method.apply(this, repeats > 0 ? withRepeats(args, repeats) : args);
  };
}

function kindOf(args: readonly unknown[]): string {
  const [first, second] = args;
  if (typeof first === "string") return first;
  const err = (first as { err?: { code?: unknown; name?: unknown } } | null)?.err;
  return `${String(second)}\u0000${String(err?.code ?? err?.name ?? "")}`;
}

function withRepeats(args: Parameters<LogFn>, repeats: number): Parameters<LogFn> {
  const [first, ...rest] = args as unknown[];
  if (typeof first === "object" && first !== null && !(first instanceof Error)) {
    return [{ ...first, repeats }, ...rest] as Parameters<LogFn>;
  }
  return [{ repeats }, first, ...rest] as Parameters<LogFn>;
}

function forgetEnded(windows: Map<string, Window>, nowMs: number, windowMs: number): void {
  for (const [key, window] of windows) {
    if (nowMs - window.startedAtMs >= windowMs) windows.delete(key);
  }
  // Every kind is still in its window: forget the oldest half rather than grow.
  if (windows.size >= maxKinds) {
    for (const key of [...windows.keys()].slice(0, maxKinds / 2)) windows.delete(key);
  }
}
