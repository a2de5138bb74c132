import { limits } from "@syncline/protocol";
import { type BackoffOptions, defaultBackoff } from "./backoff.ts";
import { type BroadcastChannelConstructorLike, defaultBroadcastChannel } from "./broadcast.ts";
import { createConsoleLogger, type Logger } from "./logger.ts";
import { loadFakeIndexedDb, type MemoryIndexedDbLoader } from "./memory-fallback.ts";
import { defaultStorageManager, type StorageManagerLike } from "./storage-status.ts";
import { defaultLockManager, type LockManagerLike } from "./tab-leader.ts";
import type { GetToken } from "./token.ts";
import type { WebSocketConstructorLike } from "./types.ts";

/** Options of {@link createClient}; only `baseUrl`, `userId` and `getToken` are required. */
export interface ClientOptions {
  /** The server's origin, such as "http://127.0.0.1:8787"; the WebSocket URL is derived from it. */
  baseUrl: string;
  userId: string;
  /** Returns a token; called again with `forceRefresh: true` after the server rejects one. */
  getToken: GetToken;
  fetch?: typeof fetch;
  /** Required where there is no global WebSocket, such as Node 20: pass `ws`'s class. */
  WebSocket?: WebSocketConstructorLike;
  indexedDB?: IDBFactory;
  IDBKeyRange?: typeof IDBKeyRange;
  /** Defaults to `syncline:${userId}`: one database per user. */
  databaseName?: string;
  logger?: Logger;
  /** How often the socket sends a ping; silence for twice this long means it is dead. Default 25 s. */
  heartbeatIntervalMs?: number;
  /**
   * How often presence is fetched for subscribed users that no presence frame
   * reports, such as members of groups above the server's PRESENCE_MAX_GROUP. Default 30 s.
   */
  presencePollIntervalMs?: number;
  /** Retry and reconnect delays; defaults 500 ms and 30 s. */
  backoff?: { baseMs?: number; maxMs?: number };
  /** The source of jitter; defaults to Math.random, which is fine for delays (never for ids). */
  random?: () => number;
  /** Events per conversation in one pull page. Default 100. */
  pullLimit?: number;
  /** Bound on one HTTP exchange, body included. Default 30 s. */
  requestTimeoutMs?: number;
  /** Bound on opening IndexedDB; it is tried twice. Default 3 s. */
  openTimeoutMs?: number;
  /**
   * The backend used when IndexedDB cannot be opened: "memory" (the default)
   * keeps the client working until the page closes, "none" makes `send` reject.
   */
  storageFallback?: "memory" | "none";
  /** Loads the in-memory IndexedDB of the fallback; defaults to fake-indexeddb. */
  loadMemoryIndexedDb?: MemoryIndexedDbLoader;
  /** Asked for persistent storage; defaults to `navigator.storage`. */
  storageManager?: StorageManagerLike;
  /**
   * Elects one tab per user to hold the socket and run the sync loops;
   * defaults to `navigator.locks`. Pass null to make every tab sync alone.
   */
  locks?: LockManagerLike | null;
  /**
   * Carries the leader's status and heartbeat to the other tabs; defaults to
   * the global `BroadcastChannel`. Without one, a hung leader tab keeps the
   * lock and is not replaced.
   */
  BroadcastChannel?: BroadcastChannelConstructorLike;
  /**
   * How often the leader tab sends a heartbeat. A follower that hears none
   * for 3 intervals probes, and takes over 2 intervals later. Default 1 s.
   */
  tabHeartbeatIntervalMs?: number;
}

/** Every option with its default filled in. */
export interface ResolvedOptions {
  baseUrl: string;
  userId: string;
  getToken: GetToken;
  fetch: typeof fetch;
  WebSocket: WebSocketConstructorLike;
  indexedDB: IDBFactory | undefined;
  IDBKeyRange: typeof IDBKeyRange | undefined;
  databaseName: string;
  logger: Logger;
  heartbeatIntervalMs: number;
  presencePollIntervalMs: number;
  backoff: BackoffOptions;
  random: () => number;
  pullLimit: number;
  requestTimeoutMs: number;
  openTimeoutMs: number;
  loadMemoryIndexedDb: MemoryIndexedDbLoader | undefined;
  storageManager: StorageManagerLike | undefined;
  locks: LockManagerLike | undefined;
  BroadcastChannel: BroadcastChannelConstructorLike | undefined;
  tabHeartbeatIntervalMs: number;
}

export function resolveOptions(options: ClientOptions): ResolvedOptions {
  const WebSocket = options.WebSocket ?? globalThis.WebSocket;
  if (WebSocket === undefined) {
    throw new TypeError(
      "No WebSocket class is available; pass one as options.WebSocket (in Node, `ws`).",
    );
  }
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (fetchImpl === undefined)
    throw new TypeError("No fetch is available; pass one as options.fetch.");
  return {
    baseUrl: options.baseUrl,
    userId: options.userId,
    getToken: options.getToken,
    // Called unbound: browsers throw "Illegal invocation" when fetch runs as another object's method.
    fetch: (input, init) => fetchImpl(input, init),
    WebSocket,
    indexedDB: options.indexedDB,
    IDBKeyRange: options.IDBKeyRange,
    databaseName: options.databaseName ?? `syncline:${options.userId}`,
    logger: options.logger ?? createConsoleLogger(),
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 25_000,
    presencePollIntervalMs: options.presencePollIntervalMs ?? 30_000,
    backoff: { ...defaultBackoff, ...definedOnly(options.backoff ?? {}) },
    random: options.random ?? Math.random,
    pullLimit: Math.min(options.pullLimit ?? limits.defaultPullLimit, limits.maxPullLimit),
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    openTimeoutMs: options.openTimeoutMs ?? 3_000,
    loadMemoryIndexedDb:
      options.storageFallback === "none"
        ? undefined
        : (options.loadMemoryIndexedDb ?? loadFakeIndexedDb),
    storageManager: options.storageManager ?? defaultStorageManager(),
    locks: options.locks === null ? undefined : (options.locks ?? defaultLockManager()),
    BroadcastChannel: options.BroadcastChannel ?? defaultBroadcastChannel(),
    tabHeartbeatIntervalMs: options.tabHeartbeatIntervalMs ?? 1_000,
  };
}

function definedOnly(values: { baseMs?: number; maxMs?: number }): Partial<BackoffOptions> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}

/** Derives the WebSocket URL from the base URL: http becomes ws, https becomes wss, plus /v1/ws. */
export function webSocketUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/v1/ws`;
  url.search = "";
  url.hash = "";
  return url.toString();
}
