import {
  type ErrorCode,
  errorBodySchema,
  protocolVersion,
  protocolVersionHeader,
} from "@syncline/protocol";
import { SyncError } from "./errors.ts";
import type { TokenSource } from "./token.ts";

/** Dependencies of the HTTP transport. */
export interface HttpTransportOptions {
  baseUrl: string;
  fetch: typeof fetch;
  tokens: TokenSource;
  /** Aborts every request when the client closes. */
  signal: AbortSignal;
  /** Bounds the whole exchange, body included, so a half-open connection cannot stall a loop. */
  requestTimeoutMs: number;
  /** Called when the server rejects the client's protocol version. */
  onUnsupported?: () => void;
}

/** A response schema from `@syncline/protocol`; only its `safeParse` is used. */
export interface ResponseSchema<T> {
  safeParse(input: unknown): { success: true; data: T } | { success: false; error: unknown };
}

/** Sends authenticated JSON requests and turns every failure into a {@link SyncError}. */
export interface HttpTransport {
  request<T>(
    method: "GET" | "POST" | "DELETE",
    path: string,
    body: unknown,
    schema: ResponseSchema<T>,
  ): Promise<T>;
}

/** A response read to its end within the request timeout. */
interface ReadResponse {
  status: number;
  retryAfter: string | null;
  text: string;
}

export function createHttpTransport(options: HttpTransportOptions): HttpTransport {
  return {
    async request(method, path, body, schema) {
      const label = `${method} ${path}`;
      const token = await options.tokens.get();
      let response = await exchange(options, method, path, body, token);
      if (response.status === 401) {
        // One refresh per rejected token, shared with every concurrent 401.
        const fresh = await options.tokens.refresh(token);
        response = await exchange(options, method, path, body, fresh);
      }
      if (response.status < 200 || response.status > 299) {
        const error = errorFromResponse(response, label);
        if (error.code === "unsupported_version") options.onUnsupported?.();
        throw error;
      }
      return parseBody(response.text, schema, label);
    },
  };
}

async function exchange(
  options: HttpTransportOptions,
  method: string,
  path: string,
  body: unknown,
  token: string,
): Promise<ReadResponse> {
  const label = `${method} ${path}`;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.requestTimeoutMs);
  const onClose = () => controller.abort();
  options.signal.addEventListener("abort", onClose, { once: true });
  const headers: Record<string, string> = {
    authorization: `Bearer ${token}`,
    [protocolVersionHeader]: String(protocolVersion),
  };
  const init: RequestInit = { method, headers, signal: controller.signal };
  if (body !== undefined) {
    headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  try {
    const response = await options.fetch(joinUrl(options.baseUrl, path), init);
    const text = await response.text();
    return { status: response.status, retryAfter: response.headers.get("retry-after"), text };
  } catch (error) {
    if (options.signal.aborted) {
      throw new SyncError("closed", `${label} was cancelled because the client closed.`, {
        cause: error,
      });
    }
    if (timedOut) {
      const message = `${label} timed out after ${options.requestTimeoutMs} ms; the network or the server is slow.`;
      throw new SyncError("timeout", message, { cause: error });
    }
    const message = `${label} failed to reach the server; check the network connection.`;
    throw new SyncError("offline", message, { cause: error });
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener("abort", onClose);
  }
}

/** Re-creates the server's error from a failed response; a body that is not an error body falls back on the status. */
function errorFromResponse(response: ReadResponse, label: string): SyncError {
  const retryAfterMs = parseRetryAfter(response.retryAfter);
  const options = {
    status: response.status,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
  const parsed = errorBodySchema.safeParse(parseJson(response.text));
  if (parsed.success) {
    const { code, message, field, details } = parsed.data.error;
    return new SyncError(code, `${label}: ${message}`, {
      ...options,
      ...(field === undefined ? {} : { field }),
      ...(details === undefined ? {} : { details }),
    });
  }
  const code = codeForStatus(response.status);
  return new SyncError(code, `${label} failed with HTTP ${response.status}.`, options);
}

const codeByStatus: Record<number, ErrorCode> = {
  400: "invalid_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  413: "payload_too_large",
  426: "unsupported_version",
  429: "rate_limited",
  500: "internal",
};

function codeForStatus(status: number): ErrorCode {
  return codeByStatus[status] ?? (status >= 500 ? "unavailable" : "invalid_request");
}

/** Parses a Retry-After header, in seconds or as an HTTP date, into milliseconds. */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const dateMs = Date.parse(value);
  return Number.isNaN(dateMs) ? undefined : Math.max(0, dateMs - nowMs);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseBody<T>(text: string, schema: ResponseSchema<T>, label: string): T {
  const parsed = schema.safeParse(parseJson(text));
  if (!parsed.success) {
    // A captive portal or a misconfigured proxy responds 200 with a page of its own.
    throw new SyncError("bad_response", `${label} returned a body that is not the expected JSON.`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/** Joins the base URL and an absolute API path, keeping any path prefix of the base. */
export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, "")}${path}`;
}
