import pino, { type Logger } from "pino";

/**
 * Creates the server's JSON logger. Authorization headers and tokens are
 * redacted in case an error object carries them. Message text is never
 * passed to the logger in the first place.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: ["token", "*.token", "headers.authorization", "*.headers.authorization"],
      censor: "[redacted]",
    },
  });
}
