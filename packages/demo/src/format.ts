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

/** Describes the users typing, such as "bob is typing…", or returns "" when no one is typing. */
export function describeTyping(userIds: readonly string[]): string {
  const [first, second] = userIds;
  if (first === undefined) return "";
  if (second === undefined) return `${first} is typing…`;
  if (userIds.length === 2) return `${first} and ${second} are typing…`;
  return `${userIds.length} people are typing…`;
}

/** Describes a user's presence: "online", "last seen" with a time, or "" when unknown. */
export function describePresence(
  presence: { status: "online" | "offline" | "unknown"; lastSeenAt: string | null },
  now = new Date(),
): string {
  if (presence.status === "online") return "online";
  if (presence.status === "unknown") return "";
  if (presence.lastSeenAt === null) return "offline";
  return `last seen ${formatTime(presence.lastSeenAt, now)}`;
}

/**
 * Labels the receipt state of one of the user's own confirmed messages. In a
 * group, a partial count shows how many of the other members stored or read it.
 */
export function describeReceipt(
  receipt: { state: string; deliveredCount?: number; readCount?: number },
  otherMembers: number,
): string {
  const readCount = receipt.readCount ?? 0;
  const deliveredCount = receipt.deliveredCount ?? 0;
  if (receipt.state === "read") return otherMembers > 1 ? `Read by all ${otherMembers}` : "Read";
  if (otherMembers > 1 && readCount > 0) return `Read by ${readCount} of ${otherMembers}`;
  if (receipt.state === "delivered") return "Delivered";
  if (otherMembers > 1 && deliveredCount > 0) {
    return `Delivered to ${deliveredCount} of ${otherMembers}`;
  }
  return "Sent";
}
