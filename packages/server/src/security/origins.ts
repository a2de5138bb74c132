import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";

/**
 * Tells whether a request's `Origin` header passes the allow-list. An
 * undefined list allows every origin. A missing header passes too, because
 * browsers always send one on WebSocket upgrades and cross-site fetches,
 * so only non-browser clients (the SDK under Node, curl) omit it, and they
 * are not exposed to cross-site hijacking.
 */
export function isOriginAllowed(
  origin: string | undefined,
  allowedOrigins: readonly string[] | undefined,
): boolean {
  if (allowedOrigins === undefined || origin === undefined) return true;
  return allowedOrigins.includes(origin);
}

/**
 * CORS for the HTTP routes: the allow-list's origins, or `*` when it is
 * unset. Credentials stay off, so browsers never attach cookies, and the
 * Bearer token travels only in the Authorization header the page sets.
 */
export function corsForOrigins(allowedOrigins: readonly string[] | undefined): MiddlewareHandler {
  return cors({
    origin: allowedOrigins === undefined ? "*" : [...allowedOrigins],
    credentials: false,
    allowHeaders: ["authorization", "content-type", "syncline-protocol-version"],
    exposeHeaders: ["retry-after"],
    maxAge: 600,
  });
}
