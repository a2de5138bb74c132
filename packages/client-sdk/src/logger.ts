/** Context attached to a log line: ids and codes, never tokens or message text. */
export type LogContext = Record<string, unknown>;

/** The small logger the SDK writes to; pass your own to route or silence it. */
export interface Logger {
  debug(message: string, context?: LogContext): void;
  info(message: string, context?: LogContext): void;
  warn(message: string, context?: LogContext): void;
  error(message: string, context?: LogContext): void;
}

const prefix = "[syncline]";

/** Creates the default logger: warnings and errors go to the console with a "[syncline]" prefix. */
export function createConsoleLogger(): Logger {
  return {
    debug() {},
    info() {},
    warn(message, context) {
      console.warn(prefix, message, ...(context === undefined ? [] : [context]));
    },
    error(message, context) {
      console.error(prefix, message, ...(context === undefined ? [] : [context]));
    },
  };
}

/** A logger that drops everything, for tests. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
