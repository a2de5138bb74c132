import type { Logger } from "pino";
import {
  chunkEntries,
  type PresenceChannel,
  type PresenceEntry,
  type PresenceMessage,
} from "./presence-channel.ts";
import type { PresenceLedger } from "./presence-ledger.ts";

/** Settings and services of a {@link PresenceCluster}. */
export interface PresenceClusterOptions {
  channel: PresenceChannel;
  /** The ledger that this node's tracker shares. This node's holds use `channel.nodeId`. */
  ledger: PresenceLedger;
  logger: Logger;
  /** A hold that no beat or change renewed for this long lapses. */
  ttlMs: number;
  /** How long the holds of a node that said `bye` remain, so its users can reconnect elsewhere. */
  graceMs: number;
  /** Receives the users whose cluster-wide status may have changed by another node's message. */
  onStatusChange: (userIds: readonly string[]) => void;
  now: () => number;
}

/**
 * Shares this node's presence holds with the other nodes and records
 * theirs in the ledger. Changes go out batched per tick. A beat every
 * `ttlMs / 3` lists every user this node holds, which renews the holds on
 * the other nodes and teaches a node that started later. A node that
 * stops beating, as after SIGKILL, loses its holds `ttlMs` after its last
 * beat. Messages are chunked so each stays under the NOTIFY size limit.
 */
export class PresenceCluster {
  readonly #options: PresenceClusterOptions;
  readonly #pending = new Map<string, { online: boolean; lastSeenMs: number }>();
  #flushScheduled = false;
  #beatTimer: NodeJS.Timeout | undefined;

  constructor(options: PresenceClusterOptions) {
    this.#options = options;
  }

  get nodeId(): string {
    return this.#options.channel.nodeId;
  }

  /** Starts receiving, sends `hello` so the other nodes send their holds, and starts the beat. */
  start(): void {
    const { channel, ttlMs } = this.#options;
    channel.onPresence = (nodeId, message) => this.#receive(nodeId, message);
    channel.sendPresence({ kind: "hello" });
    this.#beatTimer = setInterval(() => this.#sendBeat(), Math.max(10, ttlMs / 3));
    this.#beatTimer.unref();
  }

  /** Queues a change of this node's hold on a user, sent at the end of the tick. */
  noteLocal(userId: string, online: boolean, lastSeenMs: number): void {
    this.#pending.set(userId, { online, lastSeenMs });
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  /** Sends the queued changes and `bye`, and stops the beat. Idempotent. */
  close(): void {
    if (this.#beatTimer === undefined) return;
    clearInterval(this.#beatTimer);
    this.#beatTimer = undefined;
    this.#flush();
    this.#options.channel.onPresence = undefined;
    this.#options.channel.sendPresence({ kind: "bye" });
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#pending.size === 0) return;
    const online: PresenceEntry[] = [];
    const offline: PresenceEntry[] = [];
    for (const [userId, change] of this.#pending) {
      (change.online ? online : offline).push([userId, change.lastSeenMs]);
    }
    this.#pending.clear();
    for (const users of chunkEntries(online)) {
      this.#options.channel.sendPresence({ kind: "change", online: users, offline: [] });
    }
    for (const users of chunkEntries(offline)) {
      this.#options.channel.sendPresence({ kind: "change", online: [], offline: users });
    }
  }

  #sendBeat(): void {
    const { channel, ledger } = this.#options;
    const entries: PresenceEntry[] = ledger
      .heldBy(channel.nodeId)
      .map((userId) => [userId, ledger.lastSeenMs(userId) ?? this.#options.now()]);
    for (const users of chunkEntries(entries)) channel.sendPresence({ kind: "beat", users });
  }

  #receive(nodeId: string, message: PresenceMessage): void {
    const { ledger, ttlMs, graceMs, now } = this.#options;
    const changed: string[] = [];
    const hold = ([userId, lastSeenMs]: PresenceEntry) => {
      ledger.noteSeen(userId, lastSeenMs);
      if (ledger.hold(userId, nodeId, now() + ttlMs)) changed.push(userId);
    };
    switch (message.kind) {
      case "hello":
        this.#sendBeat();
        break;
      case "beat":
        for (const entry of message.users) hold(entry);
        break;
      case "change":
        for (const entry of message.online) hold(entry);
        for (const [userId, lastSeenMs] of message.offline) {
          ledger.noteSeen(userId, lastSeenMs);
          if (ledger.release(userId, nodeId)) changed.push(userId);
        }
        break;
      case "bye":
        ledger.expireNodeAt(nodeId, now() + graceMs);
        this.#options.logger.info(
          { nodeId },
          "presence holds of a stopping node expire after grace",
        );
        break;
    }
    if (changed.length > 0) this.#options.onStatusChange(changed);
  }
}
