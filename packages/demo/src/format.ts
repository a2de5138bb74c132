import { ProtocolError } from "@syncline/protocol";

/** Formats an ISO 8601 time as a local clock time, with the date when it is not today. */
export function formatTime(iso: string, now = new Date()): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  const clock = time.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  if (time.toDateString() === now.toDateString()) return clock;
  return `${time.toLocaleDateString([], { month: "short", day: "numeric" })} ${clock}`;
}

/** Describes a thrown value in one line, leading with the protocol's error code when it has one. */
export function describeError(error: unknown): string {
  if (error instanceof ProtocolError) return `${error.code}: ${error.message}`;
  if (isCodedError(error)) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}

// The SDK's own client-side errors (offline, closed, timeout) carry a code but
// need not be ProtocolError instances.
function isCodedError(error: unknown): error is { code: string; message: string } {
  return (
    typeof error === "object" &&
    error !== null &&
    typeof (error as { code?: unknown }).code === "string" &&
    typeof (error as { message?: unknown }).message === "string"
  );
}
