import type { HubSocket } from "./socket-hub.ts";

/** One frame's sends: the recipients and how to send to each. */
export interface DeliveryJob {
  sockets: readonly HubSocket[];
  deliver(socket: HubSocket): void;
}

/** Socket sends per turn of the event loop before the queue yields. */
export const defaultSendsPerTurn = 1000;

/**
 * The fanout's send queue. Jobs run in the order they were queued, and
 * after `sendsPerTurn` sends the queue yields to the event loop with
 * `setImmediate`, so a frame to 10,000 sockets does not stall requests.
 * A small job queued while nothing waits is sent at once, in the caller's
 * turn. Each socket receives its frames in queue order.
 */
export class DeliveryQueue {
  readonly #sendsPerTurn: number;
  readonly #jobs: { job: DeliveryJob; next: number }[] = [];
  #draining = false;
  #scheduled = false;

  constructor(sendsPerTurn = defaultSendsPerTurn) {
    this.#sendsPerTurn = sendsPerTurn;
  }

  /** Counts the sends still waiting. */
  get depth(): number {
    let waiting = 0;
    for (const entry of this.#jobs) waiting += entry.job.sockets.length - entry.next;
    return waiting;
  }

  /** Queues a job; sends at once when the queue is idle. */
  enqueue(job: DeliveryJob): void {
    if (job.sockets.length === 0) return;
    this.#jobs.push({ job, next: 0 });
    // A job queued by a send (a socket closing, say) waits for the running drain.
    if (!this.#draining && !this.#scheduled) this.#drain();
  }

  #drain(): void {
    this.#scheduled = false;
    this.#draining = true;
    try {
      let budget = this.#sendsPerTurn;
      while (budget > 0 && this.#jobs.length > 0) {
        const entry = this.#jobs[0] as { job: DeliveryJob; next: number };
        const end = Math.min(entry.job.sockets.length, entry.next + budget);
        while (entry.next < end) {
          const socket = entry.job.sockets[entry.next++] as HubSocket;
          budget--;
          entry.job.deliver(socket);
        }
        if (entry.next >= entry.job.sockets.length) this.#jobs.shift();
      }
    } finally {
      this.#draining = false;
      if (this.#jobs.length > 0) {
        this.#scheduled = true;
        setImmediate(() => this.#drain());
      }
    }
  }
}
