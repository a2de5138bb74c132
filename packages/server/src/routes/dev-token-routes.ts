import { devTokenRequestSchema, ProtocolError } from "@syncline/protocol";
import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../app-env.ts";
import { parseInput, readJson } from "./http-errors.ts";

/**
 * `POST /v1/dev/token`: a 24-hour token for any user id, served only in
 * dev mode. With AUTH_SECRET set the route returns 404, as if absent.
 */
export function devTokenRoutes(deps: AppDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.post("/v1/dev/token", async (c) => {
    if (!deps.devMode) {
      throw new ProtocolError("not_found", "No route for POST /v1/dev/token.");
    }
    const { userId } = parseInput(devTokenRequestSchema, await readJson(c));
    return c.json({ token: await deps.tokens.issue(userId) });
  });

  return routes;
}
