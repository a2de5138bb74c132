import { ProtocolError, protocolVersionHeader, protocolVersionsHeader } from "@syncline/protocol";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import { errorResponse } from "./http-errors.ts";

/** The wire versions this server speaks, oldest first. */
export const supportedProtocolVersions: readonly number[] = [1];

/**
 * Returns the `unsupported_version` error for a requested version this
 * server does not speak, or undefined when it speaks it. The message names
 * both sides, so a user can tell whether the app or the server is behind.
 */
export function checkProtocolVersion(requested: unknown): ProtocolError | undefined {
  if (typeof requested === "number" && supportedProtocolVersions.includes(requested)) {
    return undefined;
  }
  const supported = supportedProtocolVersions.join(", ");
  return new ProtocolError(
    "unsupported_version",
    `Protocol version ${String(requested)} is not supported; this server speaks ${supported}. Update the app.`,
    { details: { supported: [...supportedProtocolVersions], requested } },
  );
}

/**
 * Marks every response with the versions this server speaks, and returns
 * 426 `unsupported_version` to a request whose version header names
 * another one. A request without the header is version 1.
 */
export function protocolVersionMiddleware(): MiddlewareHandler<AppEnv> {
  const versions = supportedProtocolVersions.join(", ");
  return async (c, next): Promise<Response | undefined> => {
    c.header(protocolVersionsHeader, versions);
    const header = c.req.header(protocolVersionHeader);
    if (header !== undefined) {
      const requested = /^\d{1,9}$/.test(header.trim()) ? Number(header.trim()) : header;
      const error = checkProtocolVersion(requested);
      if (error !== undefined) return errorResponse(c, error);
    }
    await next();
    // Set again: responses built without the context's headers, such as static files, lack it.
    c.header(protocolVersionsHeader, versions);
    return undefined;
  };
}
