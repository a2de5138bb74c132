import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { type ServerMetrics, scrapeMetrics } from "../metrics/server-metrics.ts";

/** `GET /metrics`: every metric of this server in the Prometheus text format. */
export function metricsRoutes(metrics: ServerMetrics): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get("/metrics", async (c) => {
    const text = await scrapeMetrics(metrics);
    return c.body(text, 200, { "content-type": metrics.registry.contentType });
  });
  return routes;
}
