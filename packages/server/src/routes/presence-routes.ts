import { ProtocolError, userIdSchema } from "@syncline/protocol";
import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../app-env.ts";
import { filterContacts } from "../sync/access.ts";
import { parseInput } from "./http-errors.ts";

/** Maximum number of user ids in one `GET /v1/presence` request. */
export const maxPresenceQueryIds = 100;

/**
 * `GET /v1/presence?userIds=a,b`: the presence of the named users who
 * share a conversation with the caller. Other ids are left out of the
 * response rather than rejected, so the response does not reveal who exists.
 */
export function presenceRoutes(deps: AppDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.get("/v1/presence", async (c) => {
    const userIds = parseUserIds(c.req.query("userIds"));
    const contacts = await filterContacts(deps.store, c.get("userId"), userIds);
    const statusOf = (userId: string) =>
      deps.presence?.statusOf(userId) ?? { userId, status: "offline" as const, lastSeenAt: null };
    return c.json({ presence: contacts.map(statusOf) });
  });

  return routes;
}

function parseUserIds(value: string | undefined): string[] {
  if (value === undefined || value === "") {
    throw new ProtocolError(
      "invalid_request",
      "Invalid userIds: list 1 to 100 user ids, comma-separated.",
      {
        field: "userIds",
      },
    );
  }
  const userIds = [...new Set(value.split(","))];
  if (userIds.length > maxPresenceQueryIds) {
    throw new ProtocolError(
      "invalid_request",
      `Invalid userIds: ${userIds.length} ids is over the limit of ${maxPresenceQueryIds}; split the request.`,
      { field: "userIds" },
    );
  }
  return userIds.map((userId, index) =>
    parseInput(userIdSchema, userId, ["userIds", String(index)]),
  );
}
