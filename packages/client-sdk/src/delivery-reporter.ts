/** Dependencies of the delivery reporter. */
export interface DeliveryReporterOptions {
  /** Sends a `delivered` frame; returns false when the socket is not online. */
  send(conversationId: string, seq: number): boolean;
  /** The minimum time between two reports of one conversation. Default 1 s. */
  intervalMs?: number;
}

/**
 * Reports, per conversation, the highest seq this device stored without a
 * gap. Reports are coalesced: at most one per conversation per interval,
 * always with the newest seq. A report that cannot be sent waits for
 * `flush`, which the client calls on every `ready`.
 */
export interface DeliveryReporter {
  /** Notes that the conversation's cursor reached `seq`. */
  note(conversationId: string, seq: number): void;
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
    if (!options.send(conversationId, entry.noted)) return;
    entry.sent = entry.noted;
    entry.lastSentAtMs = Date.now();
  }

  return {
    note(conversationId, seq) {
      const entry = entries.get(conversationId) ?? {
        noted: 0,
        sent: 0,
        lastSentAtMs: Number.NEGATIVE_INFINITY,
        timer: undefined,
      };
      entries.set(conversationId, entry);
      if (seq <= entry.noted) return;
      entry.noted = seq;
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
