import { serveStatic } from "@hono/node-server/serve-static";
import { limits } from "@syncline/protocol";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import type { AppDeps, AppEnv } from "./app-env.ts";
import { requireBearer } from "./auth/bearer.ts";
import { logRequests } from "./logging/access-log.ts";
import { meterSyncRequests } from "./metrics/request-metrics.ts";
import { conversationRoutes } from "./routes/conversation-routes.ts";
import { devTokenRoutes } from "./routes/dev-token-routes.ts";
import { healthRoutes } from "./routes/health-routes.ts";
import {
  createErrorHandler,
  errorResponse,
  handleNotFound,
  payloadTooLarge,
} from "./routes/http-errors.ts";
import { metricsRoutes } from "./routes/metrics-routes.ts";
import { presenceRoutes } from "./routes/presence-routes.ts";
import { protocolVersionMiddleware } from "./routes/protocol-version.ts";
import { syncRoutes } from "./routes/sync-routes.ts";
import { createHttpRateLimiters, limitSyncRates } from "./security/http-rate-limits.ts";
import { corsForOrigins } from "./security/origins.ts";

/**
 * Builds the HTTP application. It needs no port, so route tests call
 * `app.request()` directly. Every error leaves as the protocol's error body.
 */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError(createErrorHandler(deps.logger));
  app.notFound(handleNotFound);

  app.use(requestId());
  app.use(protocolVersionMiddleware());
  app.use(async (c, next) => {
    c.set("log", deps.logger.child({ requestId: c.get("requestId") }));
    await next();
  });
  if (deps.security !== undefined) app.use(corsForOrigins(deps.security.allowedOrigins));
  app.use(logRequests());
  // Before the body limit, so that pushes rejected as too large are counted too.
  if (deps.metrics !== undefined) app.use(meterSyncRequests(deps.metrics));
  app.use(
    bodyLimit({
      maxSize: limits.maxRequestBytes,
      onError: (c) => errorResponse(c, payloadTooLarge()),
    }),
  );

  if (deps.metrics !== undefined) app.route("/", metricsRoutes(deps.metrics));
  app.route("/", healthRoutes(deps));
  // Registered before the bearer check, so it runs without a token.
  app.route("/", devTokenRoutes(deps));
  app.use("/v1/*", requireBearer(deps.tokens));
  if (deps.security !== undefined) {
    app.use("/v1/*", limitSyncRates(createHttpRateLimiters(deps.security)));
  }
  app.route("/", conversationRoutes(deps));
  app.route("/", syncRoutes(deps));
  app.route("/", presenceRoutes(deps));

  if (deps.demoDir !== undefined) app.use("/*", serveStatic({ root: deps.demoDir }));
  return app;
}
