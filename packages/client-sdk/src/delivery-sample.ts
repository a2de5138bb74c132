import type { Event } from "@syncline/protocol";

/** An event from another member that this device stored, kept for its delivery latency sample. */
export interface StoredSample {
  /** The event's `createdAt`, in the server's clock, echoed back unchanged. */
  createdAt: string;
  via: "notify" | "pull";
  /** This device's clock when the event was stored; only differences of it leave the device. */
  storedAtMs: number;
}

/**
 * Picks the newest event at or below `cursor` that another member sent,
 * as the delivery sample of a batch just stored. Events the user sent come
 * back to their own devices too, and their delivery is not a recipient's.
 */
export function pickDeliverySample(
  events: readonly Event[],
  cursor: number,
  userId: string,
  via: StoredSample["via"],
  nowMs: number = Date.now(),
): StoredSample | undefined {
  let newest: Event | undefined;
  for (const event of events) {
    if (event.seq > cursor || event.senderId === userId) continue;
    if (newest === undefined || event.seq > newest.seq) newest = event;
  }
  if (newest === undefined) return undefined;
  return { createdAt: newest.createdAt, via, storedAtMs: nowMs };
}
