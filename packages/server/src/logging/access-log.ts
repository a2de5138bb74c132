import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";

/**
 * Logs one debug line per request with its method, path, status and
 * duration, through the request's child logger, so it carries the request
 * id. The query string and the body are left out, as they may carry user data.
 */
export function logRequests(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const startedAtMs = performance.now();
    await next();
    const durationMs = Math.round(performance.now() - startedAtMs);
    const entry = { method: c.req.method, path: c.req.path, status: c.res.status, durationMs };
    c.get("log").debug(entry, "request handled");
  };
}
