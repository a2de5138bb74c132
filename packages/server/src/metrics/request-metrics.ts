import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import type { ServerMetrics } from "./server-metrics.ts";

/** The sync routes that the request metrics follow. */
type SyncRoute = "push" | "pull_page" | "pull_batch";

/**
 * Counts pushes and pulls by result code and times pushes from arrival to
 * response. The code comes from the response body: `ok`, the error body's
 * code, or each op's result for a push that succeeded as a whole.
 */
export function meterSyncRequests(metrics: ServerMetrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const route = syncRouteOf(c.req.method, c.req.path);
    if (route === undefined) return next();
    const startedAtMs = performance.now();
    await next();

    // A successful pull page can be large and its code is known, so only pushes and errors are read.
    const body = route === "push" || !c.res.ok ? await readBody(c.res) : undefined;
    const code = c.res.ok ? "ok" : errorCodeOf(body, c.res.status);
    if (route !== "push") {
      metrics.pulls.inc({ kind: route === "pull_page" ? "page" : "batch", code });
      return;
    }
    metrics.pushes.inc({ code });
    metrics.pushSeconds.observe({ code }, (performance.now() - startedAtMs) / 1000);
    if (c.res.ok) countOpResults(metrics, body);
  };
}

function syncRouteOf(method: string, path: string): SyncRoute | undefined {
  if (method === "POST" && path === "/v1/push") return "push";
  if (method === "POST" && path === "/v1/pull") return "pull_batch";
  if (method === "GET" && /^\/v1\/conversations\/[^/]+\/events$/.test(path)) return "pull_page";
  return undefined;
}

/** Reads a copy of a JSON response body, or undefined when it has none or it is not JSON. */
async function readBody(response: Response): Promise<unknown> {
  if (!response.headers.get("content-type")?.includes("application/json")) return undefined;
  try {
    return await response.clone().json();
  } catch {
    return undefined;
  }
}

function errorCodeOf(body: unknown, status: number): string {
  const code = (body as { error?: { code?: unknown } } | undefined)?.error?.code;
  if (typeof code === "string") return code;
  return status >= 500 ? "internal" : "invalid_request";
}

function countOpResults(metrics: ServerMetrics, body: unknown): void {
  const results = (body as { results?: unknown } | undefined)?.results;
  if (!Array.isArray(results)) return;
  for (const result of results as Array<{ status?: string; code?: string; duplicate?: boolean }>) {
    if (result.status === "ok") {
      metrics.pushOps.inc({ code: result.duplicate === true ? "duplicate" : "ok" });
    } else {
      metrics.pushOps.inc({ code: result.code ?? "invalid_request" });
    }
  }
}
