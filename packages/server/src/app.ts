import { serveStatic } from "@hono/node-server/serve-static";
import { limits } from "@syncline/protocol";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import type { AppDeps, AppEnv } from "./app-env.ts";
import { requireBearer } from "./auth/bearer.ts";
import { conversationRoutes } from "./routes/conversation-routes.ts";
import { devTokenRoutes } from "./routes/dev-token-routes.ts";
import { healthRoutes } from "./routes/health-routes.ts";
import {
  createErrorHandler,
  errorResponse,
  handleNotFound,
  payloadTooLarge,
} from "./routes/http-errors.ts";
import { presenceRoutes } from "./routes/presence-routes.ts";
import { protocolVersionMiddleware } from "./routes/protocol-version.ts";
import { syncRoutes } from "./routes/sync-routes.ts";

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
  app.use(
    bodyLimit({
      maxSize: limits.maxRequestBytes,
      onError: (c) => errorResponse(c, payloadTooLarge()),
    }),
  );

  app.route("/", healthRoutes(deps));
  // Registered before the bearer check, so it runs without a token.
  app.route("/", devTokenRoutes(deps));
  app.use("/v1/*", requireBearer(deps.tokens));
  app.route("/", conversationRoutes(deps));
  app.route("/", syncRoutes(deps));
  app.route("/", presenceRoutes(deps));
  // TODO: serve GET /metrics in the Prometheus format, because operators expect it; no counters exist yet.

  if (deps.demoDir !== undefined) app.use("/*", serveStatic({ root: deps.demoDir }));
  return app;
}
