import { type describeZodError, limits, ProtocolError } from "@syncline/protocol";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "pino";
import type { AppEnv } from "../app-env.ts";
import { isStoreUnavailable } from "../store/store-errors.ts";

/** A zod schema as far as input parsing needs it. */
export interface InputSchema<T> {
  safeParse(
    value: unknown,
  ): { success: true; data: T } | { success: false; error: Parameters<typeof describeZodError>[0] };
}

/**
 * Parses request input; throws 400 `invalid_request` naming the field at
 * fault. `path` prefixes the field, as `["id"]` does for a path parameter.
 */
export function parseInput<T>(schema: InputSchema<T>, value: unknown, path: string[] = []): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  // An unknown key is reported at its parent; name the key itself.
  const unknownKey = issue?.code === "unrecognized_keys" ? issue.keys.slice(0, 1) : [];
  const field = [...path, ...(issue?.path ?? []), ...unknownKey].map(String).join(".");
  const message = `Invalid ${field === "" ? "request body" : field}: ${issue?.message ?? "it does not match the schema"}`;
  throw new ProtocolError("invalid_request", message, field === "" ? {} : { field });
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads the request body as JSON. Invalid UTF-8 or malformed JSON is 400
 * `invalid_request`, because replacing bad bytes would store text the
 * client never sent.
 */
export async function readJson(c: Context<AppEnv>): Promise<unknown> {
  let text: string;
  try {
    text = strictUtf8.decode(await c.req.arrayBuffer());
  } catch {
    throw new ProtocolError("invalid_request", "The request body is not valid UTF-8.");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ProtocolError("invalid_request", "The request body is not valid JSON.");
  }
}

/** Sends a protocol error as its JSON body and status. */
export function errorResponse(c: Context<AppEnv>, error: ProtocolError): Response {
  if (error.retryAfterMs !== undefined) {
    c.header("Retry-After", String(Math.ceil(error.retryAfterMs / 1000)));
  }
  return c.json(error.toBody(), error.status as ContentfulStatusCode);
}

/**
 * Creates the handler that turns any error thrown by a route into the
 * protocol's error body. Only `ProtocolError` messages reach the client.
 * Anything else is logged here, once, and returned as a generic 500, or as
 * 503 when the store is down.
 */
export function createErrorHandler(logger: Logger) {
  return (error: Error, c: Context<AppEnv>): Response => {
    if (error instanceof ProtocolError) return errorResponse(c, error);
    if (error instanceof HTTPException) return errorResponse(c, fromHttpException(error));

    const log = c.get("log") ?? logger;
    const conversationId = c.req.param("id");
    if (isStoreUnavailable(error)) {
      log.warn({ err: error, conversationId }, "store unavailable");
      const unavailable = new ProtocolError(
        "unavailable",
        "The store is unavailable; retry later.",
        {
          retryAfterMs: 1000,
        },
      );
      return errorResponse(c, unavailable);
    }
    log.error({ err: error, conversationId }, "request failed");
    const requestId = c.get("requestId");
    const message = `The server failed on this request; quote request id ${requestId} when reporting it.`;
    return errorResponse(c, new ProtocolError("internal", message));
  };
}

function fromHttpException(error: HTTPException): ProtocolError {
  if (error.status === 413) return payloadTooLarge();
  return new ProtocolError("invalid_request", error.message || "The request is invalid.");
}

/** Builds the error for a request body over `limits.maxRequestBytes`. */
export function payloadTooLarge(): ProtocolError {
  return new ProtocolError(
    "payload_too_large",
    `The request body is over the limit of ${limits.maxRequestBytes} bytes; send less per request.`,
  );
}

/** Returns 404 `not_found` for unknown routes. */
export function handleNotFound(c: Context<AppEnv>): Response {
  const message = `No route for ${c.req.method} ${c.req.path}.`;
  return errorResponse(c, new ProtocolError("not_found", message));
}
