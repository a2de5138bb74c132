import { ProtocolError } from "@syncline/protocol";
import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../app-env.ts";

/** `GET /healthz` (the process serves) and `GET /readyz` (the store responds). */
export function healthRoutes(deps: AppDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.get("/healthz", (c) => c.json({ status: "ok" }));

  routes.get("/readyz", async (c) => {
    try {
      await deps.store.query("SELECT 1");
    } catch (error) {
      c.get("log").warn({ err: error }, "readiness check failed");
      throw new ProtocolError("unavailable", "The store is not reachable.", { retryAfterMs: 1000 });
    }
    return c.json({ status: "ready" });
  });

  return routes;
}
