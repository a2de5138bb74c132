import { type DeliverySample, deliverySampleSchema } from "@syncline/protocol";
import type { StoredSample } from "./delivery-sample.ts";

/** Dependencies of the delivery reporter. */
export interface DeliveryReporterOptions {
  /** Sends a `delivered` frame; returns false when the socket is not online. */
  send(conversationId: string, seq: number, sample?: DeliverySample): boolean;
  /** The minimum time between two reports of one conversation. Default 1 s. */
  intervalMs?: number;
}

/**
 * Reports, per conversation, the highest seq this device stored without a
 * gap. Reports are coalesced: at most one per conversation per interval,
 * always with the newest seq. A report that cannot be sent waits for
 * `flush`, which the client calls on every `ready`. Each report carries the
 * newest delivery sample noted since the previous report, with `heldMs` set
 * to the time between storing that event and sending the report.
 */
export interface DeliveryReporter {
  /** Notes that the conversation's cursor reached `seq`, with the batch's delivery sample. */
  note(conversationId: string, seq: number, sample?: StoredSample): void;
  /** Sends every report not yet sent, such as after a reconnect. */
  flush(): void;
  close(): void;
}

interface Entry {
  /** The highest seq noted. */
  noted: number;
  /** The highest seq sent. */
  sent: number;
  lastSentAtMs: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** The newest sample not yet reported. */
  sample: StoredSample | undefined;
}

export function createDeliveryReporter(options: DeliveryReporterOptions): DeliveryReporter {
  const intervalMs = options.intervalMs ?? 1_000;
  const entries = new Map<string, Entry>();
  let closed = false;

  function trySend(conversationId: string, entry: Entry): void {
    entry.timer = undefined;
    if (closed || entry.noted <= entry.sent) return;
    const waitMs = entry.lastSentAtMs + intervalMs - Date.now();
    if (waitMs > 0) {
      entry.timer = setTimeout(() => trySend(conversationId, entry), waitMs);
      return;
    }
    if (!options.send(conversationId, entry.noted, toWireSample(entry.sample))) return;
    entry.sent = entry.noted;
    entry.sample = undefined;
    entry.lastSentAtMs = Date.now();
  }

  return {
    note(conversationId, seq, sample) {
      const entry = entries.get(conversationId) ?? {
        noted: 0,
        sent: 0,
        lastSentAtMs: Number.NEGATIVE_INFINITY,
        timer: undefined,
        sample: undefined,
      };
      entries.set(conversationId, entry);
      if (seq <= entry.noted) return;
      entry.noted = seq;
      if (sample !== undefined) entry.sample = sample;
      if (entry.timer === undefined) trySend(conversationId, entry);
    },
    flush() {
      for (const [conversationId, entry] of entries) {
        if (entry.timer === undefined) trySend(conversationId, entry);
      }
    },
    close() {
      closed = true;
      for (const entry of entries.values()) clearTimeout(entry.timer);
      entries.clear();
    },
  };
}

/**
 * Turns a stored sample into the frame's `sample`. A sample held past the
 * protocol's maximum is dropped, because the server would reject the frame.
 */
function toWireSample(sample: StoredSample | undefined): DeliverySample | undefined {
  if (sample === undefined) return undefined;
  const heldMs = Math.max(0, Math.round(Date.now() - sample.storedAtMs));
  const parsed = deliverySampleSchema.safeParse({
    createdAt: sample.createdAt,
    heldMs,
    via: sample.via,
  });
  return parsed.success ? parsed.data : undefined;
}
