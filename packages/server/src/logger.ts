import pino, { type DestinationStream, type Logger } from "pino";
import { createRepeatFilter } from "./logging/repeat-filter.ts";

/** Repeats of one kind of warning or error are logged at most once in this window. */
const repeatWindowMs = 10_000;

/**
 * Creates the server's JSON logger. Authorization headers and tokens are
 * redacted in case an error object carries them. Message text is never
 * passed to the logger in the first place. Repeated warnings and errors
 * are counted rather than logged each time. `destination` defaults to stdout.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: {
      paths: ["token", "*.token", "headers.authorization", "*.headers.authorization"],
      censor: "[redacted]",
    },
    hooks: { logMethod: createRepeatFilter({ windowMs: repeatWindowMs, minLevel: 40 }) },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
