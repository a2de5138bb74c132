/** postgres.js codes for a connection that failed or went away. */
const connectionCodes = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EPIPE",
]);

/** SQLSTATEs of a server that is shutting down, starting or out of connections. */
const unavailableStates = new Set(["57P01", "57P02", "57P03", "53300"]);

/**
 * Tells whether a driver error means the database cannot be reached right
 * now, so the request may succeed later (503) rather than being a bug (500).
 */
export function isStoreUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.message === "PGlite is closed") return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string") return false;
  // 55000 is broad; only its "not currently accepting connections" case is an outage.
  if (code === "55000" && error.message.includes("not currently accepting connections")) {
    return true;
  }
  // SQLSTATE class 08 is "connection exception".
  return connectionCodes.has(code) || unavailableStates.has(code) || code.startsWith("08");
}
