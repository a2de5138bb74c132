/** A user and the time, in epoch ms, that the user's last frame reached the sending node. */
export type PresenceEntry = [userId: string, lastSeenMs: number];

/**
 * A presence message between the nodes of one cluster.
 * - `hello`: the sender has just started or reconnected, so every node replies with a `beat`.
 * - `beat`: the users the sender holds a live socket of, sent every TTL / 3.
 * - `change`: users the sender has just started or stopped holding.
 * - `bye`: the sender is shutting down, and its holds lapse after the grace period.
 */
export type PresenceMessage =
  | { kind: "hello" }
  | { kind: "beat"; users: PresenceEntry[] }
  | { kind: "change"; online: PresenceEntry[]; offline: PresenceEntry[] }
  | { kind: "bye" };

/**
 * The cross-node transport of presence messages. Every other node of the
 * cluster receives each message, in the order one node sent them. A node
 * never receives its own messages.
 */
export interface PresenceChannel {
  /** The id of this node, unique per process start. */
  readonly nodeId: string;
  /** Sends a message to every other node. Failures are logged, not thrown. */
  sendPresence(message: PresenceMessage): void;
  /** Handler of the other nodes' messages, set by the presence tracker. */
  onPresence: ((nodeId: string, message: PresenceMessage) => void) | undefined;
}

/**
 * The maximum JSON size of the entries of one message. NOTIFY payloads
 * must stay under 8000 bytes, and this leaves room for the envelope.
 */
export const maxPresenceEntryBytes = 6000;

/** Splits entries into groups whose JSON stays within `maxBytes` each. */
export function chunkEntries(
  entries: readonly PresenceEntry[],
  maxBytes = maxPresenceEntryBytes,
): PresenceEntry[][] {
  const chunks: PresenceEntry[][] = [];
  let current: PresenceEntry[] = [];
  let bytes = 2;
  for (const entry of entries) {
    const entryBytes = Buffer.byteLength(JSON.stringify(entry)) + 1;
    if (current.length > 0 && bytes + entryBytes > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 2;
    }
    current.push(entry);
    bytes += entryBytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function isEntryList(value: unknown): value is PresenceEntry[] {
  return (
    Array.isArray(value) &&
    value.every(
      (entry) =>
        Array.isArray(entry) &&
        entry.length === 2 &&
        typeof entry[0] === "string" &&
        Number.isFinite(entry[1]),
    )
  );
}

/** Returns the value as a presence message, or undefined when it is not a valid one. */
export function parsePresenceMessage(value: unknown): PresenceMessage | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const message = value as Record<string, unknown>;
  switch (message.kind) {
    case "hello":
    case "bye":
      return { kind: message.kind };
    case "beat":
      return isEntryList(message.users) ? { kind: "beat", users: message.users } : undefined;
    case "change":
      return isEntryList(message.online) && isEntryList(message.offline)
        ? { kind: "change", online: message.online, offline: message.offline }
        : undefined;
    default:
      return undefined;
  }
}
