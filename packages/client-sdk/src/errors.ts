import { type ErrorCode, ProtocolError } from "@syncline/protocol";

/** Failures that happen on the client side of the wire, never sent by the server. */
export const clientErrorCodes = [
  "offline",
  "closed",
  "timeout",
  "storage_full",
  "storage_unavailable",
  "bad_response",
] as const;
export type ClientErrorCode = (typeof clientErrorCodes)[number];

/** Every code a {@link SyncError} may carry: the server's codes and the client's own. */
export type SyncErrorCode = ClientErrorCode | ErrorCode;

/** Options of a {@link SyncError} beyond its code and message. */
export interface SyncErrorOptions {
  status?: number;
  field?: string;
  details?: Record<string, unknown>;
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * The one error class the SDK rejects with. `code` is stable: branch on it,
 * never on the message. `status` is the HTTP status when the server responded.
 */
export class SyncError extends Error {
  override readonly name = "SyncError";
  readonly code: SyncErrorCode;
  readonly status: number | undefined;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: SyncErrorCode, message: string, options: SyncErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.field = options.field;
    this.details = options.details;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The next step of a sync loop after a failure. */
export type ErrorAction = "retry" | "reauthenticate" | "reset" | "fail" | "stop";

/**
 * Maps each code to what a sync loop does about it. The switch is
 * exhaustive, so a code added to the protocol fails to compile here.
 */
export function errorAction(code: SyncErrorCode): ErrorAction {
  switch (code) {
    case "offline":
    case "timeout":
    case "bad_response":
    case "rate_limited":
    case "unavailable":
    case "internal":
      return "retry";
    case "unauthorized":
      return "reauthenticate";
    case "cursor_ahead":
    case "cursor_expired":
      return "reset";
    case "invalid_request":
    case "forbidden":
    case "not_found":
    case "conflict":
    case "payload_too_large":
    case "storage_full":
    case "storage_unavailable":
      return "fail";
    case "closed":
    case "unsupported_version":
      return "stop";
  }
}

/** Converts anything thrown into a {@link SyncError}, keeping the original as `cause`. */
export function toSyncError(error: unknown): SyncError {
  if (error instanceof SyncError) return error;
  if (error instanceof ProtocolError) {
    const options: SyncErrorOptions = { status: error.status, cause: error };
    if (error.field !== undefined) options.field = error.field;
    if (error.details !== undefined) options.details = error.details;
    if (error.retryAfterMs !== undefined) options.retryAfterMs = error.retryAfterMs;
    return new SyncError(error.code, error.message, options);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new SyncError("internal", `Unexpected failure in the sync client: ${message}`, {
    cause: error,
  });
}

/** Builds the error that every call made after `close()` rejects with. */
export function closedError(): SyncError {
  return new SyncError("closed", "The sync client is closed; create a new client to go on.");
}
