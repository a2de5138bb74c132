import { ProtocolError } from "@syncline/protocol";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.ts";
import { RateLimiter } from "./rate-limiter.ts";
import type { SecurityConfig } from "./security-config.ts";

/** The per-user limiters of the HTTP routes. */
export interface HttpRateLimiters {
  /** Charged one token per op pushed. */
  pushOps: RateLimiter;
  /** Charged one token per pull request, single or batched. */
  pulls: RateLimiter;
}

const eventsPath = /^\/v1\/conversations\/[^/]+\/events$/;

/**
 * Rejects pushes and pulls over the caller's rate with 429 `rate_limited`
 * and `Retry-After` in whole seconds. Runs after the bearer check, so the
 * limit is per user, and before the route, so a rejected request stores nothing.
 */
export function limitSyncRates(limiters: HttpRateLimiters) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const userId = c.get("userId");
    const { method, path } = c.req;
    if (method === "POST" && path === "/v1/push") {
      const cost = await countPushedOps(c);
      const decision = limiters.pushOps.take(userId, cost);
      if (!decision.allowed) {
        c.get("log").debug({ cost }, "push rate limited");
        throw rateLimited("pushed ops", decision.retryAfterMs);
      }
    } else if (
      (method === "POST" && path === "/v1/pull") ||
      (method === "GET" && eventsPath.test(path))
    ) {
      const decision = limiters.pulls.take(userId);
      if (!decision.allowed) {
        c.get("log").debug("pull rate limited");
        throw rateLimited("pulls", decision.retryAfterMs);
      }
    }
    await next();
  });
}

/**
 * Counts the ops of a push body, or 1 for a body that is not a push. Hono
 * caches the body text, so the route reads it again without a second stream.
 */
async function countPushedOps(c: Context<AppEnv>): Promise<number> {
  try {
    const body: unknown = JSON.parse(await c.req.text());
    if (typeof body === "object" && body !== null && "ops" in body && Array.isArray(body.ops)) {
      return Math.max(1, body.ops.length);
    }
  } catch {
    // The route rejects a malformed body with 400, and it still costs one token here.
  }
  return 1;
}

function rateLimited(limitedRequests: string, retryAfterMs: number): ProtocolError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new ProtocolError(
    "rate_limited",
    `Too many ${limitedRequests} for this user; retry after ${seconds} s.`,
    { retryAfterMs: seconds * 1000 },
  );
}

/** Builds the HTTP limiters from the security settings. */
export function createHttpRateLimiters(config: SecurityConfig): HttpRateLimiters {
  return { pushOps: new RateLimiter(config.pushOps), pulls: new RateLimiter(config.pulls) };
}
