import type { Logger } from "pino";
import type { SqlRunner } from "../store/store.ts";
import { listPresenceAudience } from "../sync/access.ts";
import type { Notifier } from "./notifier.ts";
import type { PresenceChannel } from "./presence-channel.ts";
import { PresenceCluster } from "./presence-cluster.ts";
import { PresenceLedger } from "./presence-ledger.ts";

/** A user's presence as frames and `GET /v1/presence` report it. */
export interface PresenceStatus {
  userId: string;
  status: "online" | "offline";
  /**
   * The last frame any of the user's sockets sent on any node, or null when
   * none since this node started. Another node's user shows the time of that
   * node's last beat or change, so it may lag by up to TTL / 3.
   */
  lastSeenAt: string | null;
}

/** Reads presence; the part of {@link PresenceTracker} that routes use. */
export interface PresenceReader {
  statusOf(userId: string): PresenceStatus;
}

/** Settings and services of a {@link PresenceTracker}. */
export interface PresenceOptions {
  store: SqlRunner;
  /** Delivers presence frames to this node's sockets only, because each node sends to its own. */
  notifier: Notifier;
  /** Reaches the other nodes. Without it, the tracker counts only this node's sockets. */
  channel?: PresenceChannel | undefined;
  logger: Logger;
  /** A socket with no frame for this long is stale and keeps no one online. */
  ttlMs: number;
  /** How long a user with no live socket still counts as online, so a reconnect does not flap. */
  graceMs: number;
  /** Conversations with more members than this send no presence frames. */
  maxGroupSize: number;
  /** Minimum time between two presence frames about one user. */
  coalesceMs?: number;
  now?: () => number;
}

interface SocketState {
  userId: string;
  lastFrameMs: number;
  live: boolean;
}

interface UserState {
  /** True while this node holds the user in the ledger: a live socket, or within grace after the last one. */
  heldHere: boolean;
  liveSockets: number;
  offlineTimer: NodeJS.Timeout | undefined;
  announced: "online" | "offline" | undefined;
  lastAnnouncedMs: number;
  announceTimer: NodeJS.Timeout | undefined;
}

/**
 * Tracks who is online, in memory only, because presence is never stored.
 * A user is online while one of their sockets, on any node, sent a frame
 * within `ttlMs`. A periodic sweep marks silent sockets stale, which also
 * catches half-open connections. Going offline waits `graceMs`, and frames
 * about one user are coalesced to one per `coalesceMs`, so reconnects do
 * not flap.
 *
 * With a channel, a {@link PresenceCluster} shares which users this node
 * holds. Each node sends presence frames only to its own sockets, when its
 * view of a user's cluster-wide status changes, so every contact's socket
 * gets each frame once however many nodes there are.
 */
export class PresenceTracker implements PresenceReader {
  readonly #sockets = new Map<string, SocketState>();
  // TODO: forget users offline for long, because the state and the ledger's
  // lastSeenAt of every user seen on any node since the start stay in memory.
  readonly #users = new Map<string, UserState>();
  readonly #ledger = new PresenceLedger();
  readonly #cluster: PresenceCluster | undefined;
  readonly #nodeId: string;
  readonly #options: PresenceOptions;
  readonly #now: () => number;
  readonly #coalesceMs: number;
  readonly #sweepTimer: NodeJS.Timeout;

  constructor(options: PresenceOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#coalesceMs = options.coalesceMs ?? 1000;
    const sweepMs = Math.max(50, Math.min(options.ttlMs / 4, 5000));
    this.#sweepTimer = setInterval(() => this.sweep(), sweepMs);
    this.#sweepTimer.unref();
    const { channel } = options;
    this.#nodeId = channel?.nodeId ?? "local";
    if (channel !== undefined) {
      this.#cluster = new PresenceCluster({
        channel,
        ledger: this.#ledger,
        logger: options.logger,
        ttlMs: options.ttlMs,
        graceMs: options.graceMs,
        onStatusChange: (userIds) => {
          for (const userId of userIds) this.#announce(userId);
        },
        now: this.#now,
      });
      this.#cluster.start();
    }
  }

  /** Registers an authenticated socket; its user is online from now. */
  connect(connectionId: string, userId: string): void {
    this.#sockets.set(connectionId, { userId, lastFrameMs: this.#now(), live: false });
    this.touch(connectionId);
  }

  /** Records a frame from a socket, which keeps or brings its user online. */
  touch(connectionId: string): void {
    const socket = this.#sockets.get(connectionId);
    if (socket === undefined) return;
    socket.lastFrameMs = this.#now();
    const user = this.#user(socket.userId);
    this.#ledger.noteSeen(socket.userId, socket.lastFrameMs);
    if (socket.live) return;
    socket.live = true;
    user.liveSockets++;
    clearTimeout(user.offlineTimer);
    user.offlineTimer = undefined;
    if (!user.heldHere) {
      user.heldHere = true;
      this.#ledger.hold(socket.userId, this.#nodeId, Number.POSITIVE_INFINITY);
      this.#cluster?.noteLocal(socket.userId, true, socket.lastFrameMs);
      this.#announce(socket.userId);
    }
  }

  /** Forgets a closed socket. */
  disconnect(connectionId: string): void {
    const socket = this.#sockets.get(connectionId);
    if (socket === undefined) return;
    this.#sockets.delete(connectionId);
    if (socket.live) this.#markStale(socket);
  }

  /**
   * Marks every socket silent for `ttlMs` stale and drops the lapsed holds
   * of other nodes. Runs on a timer and is callable from tests.
   */
  sweep(): void {
    const nowMs = this.#now();
    const staleBeforeMs = nowMs - this.#options.ttlMs;
    for (const socket of this.#sockets.values()) {
      if (socket.live && socket.lastFrameMs <= staleBeforeMs) this.#markStale(socket);
    }
    for (const userId of this.#ledger.expire(nowMs)) this.#announce(userId);
  }

  statusOf(userId: string): PresenceStatus {
    const lastSeenMs = this.#ledger.lastSeenMs(userId);
    return {
      userId,
      status: this.#ledger.isOnline(userId) ? "online" : "offline",
      lastSeenAt: lastSeenMs === undefined ? null : new Date(lastSeenMs).toISOString(),
    };
  }

  /** Lists the presence of the users who would get this user's presence frames. */
  async listAudienceStatus(userId: string): Promise<PresenceStatus[]> {
    const audience = await listPresenceAudience(
      this.#options.store,
      userId,
      this.#options.maxGroupSize,
    );
    return audience.map((contactId) => this.statusOf(contactId));
  }

  /** Stops the sweep and every pending timer, and sends `bye` to the other nodes. Idempotent. */
  close(): void {
    clearInterval(this.#sweepTimer);
    this.#cluster?.close();
    for (const user of this.#users.values()) {
      clearTimeout(user.offlineTimer);
      clearTimeout(user.announceTimer);
    }
  }

  #markStale(socket: SocketState): void {
    socket.live = false;
    const user = this.#user(socket.userId);
    user.liveSockets--;
    if (user.liveSockets > 0 || user.offlineTimer !== undefined) return;
    user.offlineTimer = setTimeout(() => {
      user.offlineTimer = undefined;
      if (user.liveSockets > 0) return;
      user.heldHere = false;
      this.#ledger.release(socket.userId, this.#nodeId);
      const lastSeenMs = this.#ledger.lastSeenMs(socket.userId) ?? this.#now();
      this.#cluster?.noteLocal(socket.userId, false, lastSeenMs);
      this.#announce(socket.userId);
    }, this.#options.graceMs);
    user.offlineTimer.unref();
  }

  /** Sends the user's current status, at most once per `coalesceMs` and only when it changed. */
  #announce(userId: string): void {
    const user = this.#user(userId);
    if (user.announceTimer !== undefined) return;
    const waitMs = user.lastAnnouncedMs + this.#coalesceMs - this.#now();
    if (waitMs > 0) {
      user.announceTimer = setTimeout(() => {
        user.announceTimer = undefined;
        this.#announce(userId);
      }, waitMs);
      user.announceTimer.unref();
      return;
    }
    const status = this.statusOf(userId);
    if (status.status === user.announced) return;
    user.announced = status.status;
    user.lastAnnouncedMs = this.#now();
    void this.#broadcast(status);
  }

  async #broadcast(status: PresenceStatus): Promise<void> {
    const { store, notifier, logger, maxGroupSize } = this.#options;
    // TODO: share one audience query between the connect snapshot and this announcement, or
    // cache it briefly, because a burst of thousands of connects queues that many queries
    // ahead of pushes on the store (see the fanout rows of docs/benchmarks.md).
    try {
      const audience = await listPresenceAudience(store, status.userId, maxGroupSize);
      notifier.send({ type: "presence", ...status }, audience);
    } catch (error) {
      logger.warn({ err: error, userId: status.userId }, "presence fanout failed");
    }
  }

  #user(userId: string): UserState {
    let user = this.#users.get(userId);
    if (user === undefined) {
      user = {
        heldHere: false,
        liveSockets: 0,
        offlineTimer: undefined,
        announced: undefined,
        lastAnnouncedMs: Number.NEGATIVE_INFINITY,
        announceTimer: undefined,
      };
      this.#users.set(userId, user);
    }
    return user;
  }
}
