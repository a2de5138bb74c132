/**
 * Which nodes hold a live socket of each user, and when each user was last
 * seen. A user is online while at least one node holds them. Each hold has
 * an expiry time, so the holds of a node that stopped sending beats lapse.
 * The ledger has no timers: its owner calls {@link PresenceLedger.expire}.
 */
export class PresenceLedger {
  /** Expiry time of each hold, in epoch ms, by user and then by node. */
  readonly #holdsByUser = new Map<string, Map<string, number>>();
  readonly #usersByNode = new Map<string, Set<string>>();
  readonly #lastSeenByUser = new Map<string, number>();

  /**
   * Records that `nodeId` holds a live socket of the user until
   * `expiresAtMs` (Infinity for no expiry). Returns true when no node held
   * the user before, so the user has just come online.
   */
  hold(userId: string, nodeId: string, expiresAtMs: number): boolean {
    let holds = this.#holdsByUser.get(userId);
    const cameOnline = holds === undefined;
    if (holds === undefined) {
      holds = new Map();
      this.#holdsByUser.set(userId, holds);
    }
    holds.set(nodeId, expiresAtMs);
    let users = this.#usersByNode.get(nodeId);
    if (users === undefined) {
      users = new Set();
      this.#usersByNode.set(nodeId, users);
    }
    users.add(userId);
    return cameOnline;
  }

  /**
   * Drops the hold of `nodeId` on the user. Returns true when that was the
   * last hold, so the user has just gone offline.
   */
  release(userId: string, nodeId: string): boolean {
    const holds = this.#holdsByUser.get(userId);
    if (holds === undefined || !holds.delete(nodeId)) return false;
    const users = this.#usersByNode.get(nodeId);
    users?.delete(userId);
    if (users?.size === 0) this.#usersByNode.delete(nodeId);
    if (holds.size > 0) return false;
    this.#holdsByUser.delete(userId);
    return true;
  }

  /** Moves the expiry of every hold of `nodeId` to `expiresAtMs` when that is sooner. */
  expireNodeAt(nodeId: string, expiresAtMs: number): void {
    for (const userId of this.#usersByNode.get(nodeId) ?? []) {
      const holds = this.#holdsByUser.get(userId);
      const current = holds?.get(nodeId);
      if (holds !== undefined && current !== undefined && current > expiresAtMs) {
        holds.set(nodeId, expiresAtMs);
      }
    }
  }

  /** Drops every hold that expired at or before `nowMs`, and returns the users who went offline. */
  expire(nowMs: number): string[] {
    const wentOffline: string[] = [];
    for (const [userId, holds] of [...this.#holdsByUser]) {
      for (const [nodeId, expiresAtMs] of [...holds]) {
        if (expiresAtMs <= nowMs && this.release(userId, nodeId)) wentOffline.push(userId);
      }
    }
    return wentOffline;
  }

  /** Tells whether at least one node holds a live socket of the user. */
  isOnline(userId: string): boolean {
    return this.#holdsByUser.has(userId);
  }

  /** Tells whether `nodeId` holds a live socket of the user. */
  isHeldBy(userId: string, nodeId: string): boolean {
    return this.#holdsByUser.get(userId)?.has(nodeId) ?? false;
  }

  /** Lists the users that `nodeId` holds. */
  heldBy(nodeId: string): string[] {
    return [...(this.#usersByNode.get(nodeId) ?? [])];
  }

  /** Records a time the user was seen; an earlier time than the known one is ignored. */
  noteSeen(userId: string, seenMs: number): void {
    const known = this.#lastSeenByUser.get(userId);
    if (known === undefined || seenMs > known) this.#lastSeenByUser.set(userId, seenMs);
  }

  /** Returns the latest time the user was seen on any node, or undefined when never. */
  lastSeenMs(userId: string): number | undefined {
    return this.#lastSeenByUser.get(userId);
  }
}
