import type { IncomingMessage } from "node:http";

/**
 * Returns the client's address behind `trustedHops` reverse proxies: the
 * `X-Forwarded-For` entry that the outermost trusted proxy added, counted
 * from the right, because entries left of it come from the client.
 */
export function clientAddress(request: IncomingMessage, trustedHops: number): string {
  const peer = request.socket.remoteAddress ?? "unknown";
  if (trustedHops === 0) return peer;

  const header = request.headers["x-forwarded-for"];
  const joined = Array.isArray(header) ? header.join(",") : header;
  const entries = (joined ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  if (entries.length === 0) return peer;
  return entries[Math.max(0, entries.length - trustedHops)] ?? peer;
}
