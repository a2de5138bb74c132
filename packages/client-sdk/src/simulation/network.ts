import type { Prng } from "./prng.ts";
import type { Scheduler } from "./scheduler.ts";

/** Fault rates of the simulated network. Delays are uniform in [1, maxDelayMs]. */
export interface NetworkFaults {
  dropRate: number;
  duplicateRate: number;
  maxDelayMs: number;
}

export const calmNetwork: NetworkFaults = { dropRate: 0, duplicateRate: 0, maxDelayMs: 20 };

/**
 * A network that delays every message by a random time (so messages
 * overtake each other), drops some and delivers some twice, in both
 * directions. Whether a message still means anything on arrival (the
 * sender crashed, the server restarted) is for the receiver to decide.
 */
export class Network {
  constructor(
    private readonly scheduler: Scheduler,
    private readonly prng: Prng,
    public faults: NetworkFaults,
  ) {}

  send(label: string, deliver: () => void): void {
    if (this.prng.chance(this.faults.dropRate)) {
      this.scheduler.at(0, `${label} (dropped)`, () => {});
      return;
    }
    this.scheduler.at(this.delayMs(), label, deliver);
    if (this.prng.chance(this.faults.duplicateRate)) {
      this.scheduler.at(this.delayMs(), `${label} (duplicate)`, deliver);
    }
  }

  private delayMs(): number {
    return this.prng.between(1, this.faults.maxDelayMs);
  }
}
