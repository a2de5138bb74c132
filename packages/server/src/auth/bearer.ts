import { ProtocolError } from "@syncline/protocol";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.ts";
import type { TokenAuthority } from "./tokens.ts";

const bearerPattern = /^Bearer +([^\s]+)$/i;

/**
 * Requires `Authorization: Bearer <jwt>` and sets `userId` from its `sub`.
 * Every failure is 401 `unauthorized`.
 */
export function requireBearer(tokens: TokenAuthority) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header("authorization");
    const token = header === undefined ? undefined : bearerPattern.exec(header)?.[1];
    if (token === undefined) {
      throw new ProtocolError(
        "unauthorized",
        "The Authorization header must be `Bearer <token>`; get a token and send it.",
      );
    }
    const claims = await tokens.verify(token);
    c.set("userId", claims.userId);
    c.set("log", c.get("log").child({ userId: claims.userId }));
    await next();
  });
}
