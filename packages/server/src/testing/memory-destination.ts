import type { DestinationStream } from "pino";

/** A pino destination that keeps every line in memory, for tests that read the log. */
export interface MemoryDestination extends DestinationStream {
  readonly lines: string[];
  /** Parses every line as JSON. */
  entries(): Array<Record<string, unknown>>;
}

/** Creates an empty in-memory destination. */
export function createMemoryDestination(): MemoryDestination {
  const lines: string[] = [];
  return {
    lines,
    write(chunk: string) {
      lines.push(...chunk.split("\n").filter((line) => line !== ""));
    },
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
