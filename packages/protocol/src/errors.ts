import * as z from "zod";

/**
 * Stable error codes. The first nine are the wire contract's; the rest are
 * extensions, each with one meaning that clients may branch on.
 */
export const errorCodeSchema = z.enum([
  "invalid_request",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "payload_too_large",
  "rate_limited",
  "unavailable",
  "internal",
  "cursor_ahead",
  "unsupported_version",
  "cursor_expired",
]);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

/** The HTTP status that each error code is sent with. */
export const httpStatusByCode = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
  cursor_ahead: 409,
  unsupported_version: 426,
  cursor_expired: 410,
} as const satisfies Record<ErrorCode, number>;

/**
 * The body of every failed HTTP request. `field` is the path of the input
 * at fault, such as `ops.2.body.text`; `details` carries machine-readable
 * context, such as the current `latestSeq` and `epoch` for `cursor_ahead`.
 */
export const errorBodySchema = z.object({
  error: z.object({
    code: errorCodeSchema,
    message: z.string(),
    field: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** Options of a {@link ProtocolError} beyond its code and message. */
export interface ProtocolErrorOptions {
  field?: string;
  details?: Record<string, unknown>;
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * An error that crosses the wire: the server throws it and responds with
 * its code, and the SDK re-creates it from an error response.
 */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: ProtocolErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.field = options.field;
    this.details = options.details;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** The HTTP status for this error's code. */
  get status(): number {
    return httpStatusByCode[this.code];
  }

  /** Builds the JSON body that the server sends for this error. */
  toBody(): ErrorBody {
    const error: ErrorBody["error"] = { code: this.code, message: this.message };
    if (this.field !== undefined) error.field = this.field;
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }

  /** Re-creates the error from a parsed error body. */
  static fromBody(body: ErrorBody, retryAfterMs?: number): ProtocolError {
    const options: ProtocolErrorOptions = {};
    if (body.error.field !== undefined) options.field = body.error.field;
    if (body.error.details !== undefined) options.details = body.error.details;
    if (retryAfterMs !== undefined) options.retryAfterMs = retryAfterMs;
    return new ProtocolError(body.error.code, body.error.message, options);
  }
}

/** Formats the first issue of a zod error as a field path and a sentence. */
export function describeZodError(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  if (issue === undefined) return { field: "", message: "The input is invalid." };
  const field = issue.path.map(String).join(".");
  const where = field === "" ? "input" : field;
  return { field, message: `Invalid ${where}: ${issue.message}` };
}
