import type { Hono } from "hono";
import pino from "pino";
import { createTemporaryDatabase, testDatabaseUrl } from "../../../../test/support/postgres.ts";
import { createApp } from "../app.ts";
import type { AppEnv, TestHooks } from "../app-env.ts";
import { createTokenAuthority, type TokenAuthority } from "../auth/tokens.ts";
import { type Config, loadConfig } from "../config.ts";
import { type RunningServer, startServer } from "../server.ts";
import { openStore } from "../store/open-store.ts";
import type { Store, StoreKind } from "../store/store.ts";
import { PresenceTracker } from "../ws/presence.ts";
import { SocketHub } from "../ws/socket-hub.ts";

/** The stores every store-touching suite runs on. */
export const storeKinds = ["pglite", "postgres"] as const satisfies readonly StoreKind[];

/** Tells whether a store's suite must be skipped: Postgres needs TEST_DATABASE_URL. */
export function isStoreUnavailable(kind: StoreKind): boolean {
  return kind === "postgres" && testDatabaseUrl === undefined;
}

/** The secret that test tokens are signed with. */
export const testSecret = "test-secret-with-at-least-32-bytes!!";

/** A logger that drops everything, so test output stays readable. */
export const silentLogger = pino({ level: "silent" });

/** A store config for one kind, and the cleanup of what it made. */
export interface StoreConfig {
  config: Config;
  drop(): Promise<void>;
}

/** Makes the config of a fresh store: in-memory PGlite, or a new Postgres database. */
export async function makeStoreConfig(kind: StoreKind): Promise<StoreConfig> {
  const base = { ...loadConfig({ AUTH_SECRET: testSecret, LOG_LEVEL: "silent" }), port: 0 };
  if (kind === "pglite") {
    return { config: { ...base, dataDir: "memory://" }, drop: async () => {} };
  }
  const database = await createTemporaryDatabase("syncline_server");
  return { config: { ...base, databaseUrl: database.url }, drop: database.drop };
}

/** Sends a request as `userId` (a Bearer token is made for it) with an optional JSON body. */
export type Caller = (
  method: string,
  path: string,
  options?: { userId?: string; body?: unknown },
) => Promise<Response>;

function makeCaller(
  tokens: TokenAuthority,
  send: (path: string, init: RequestInit) => Promise<Response>,
): Caller {
  return async (method, path, options = {}) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (options.userId !== undefined) {
      headers.authorization = `Bearer ${await tokens.issue(options.userId)}`;
    }
    const body = options.body === undefined ? null : JSON.stringify(options.body);
    return send(path, { method, headers, body });
  };
}

/** An app served through `app.request()`, with no port, over a fresh store. */
export interface TestApp {
  app: Hono<AppEnv>;
  store: Store;
  hub: SocketHub;
  tokens: TokenAuthority;
  call: Caller;
  close(): Promise<void>;
}

/** Opens a fresh store and builds the app over it. */
export async function createTestApp(kind: StoreKind, testHooks?: TestHooks): Promise<TestApp> {
  const { config, drop } = await makeStoreConfig(kind);
  const store = await openStore(config);
  const hub = new SocketHub();
  const presence = new PresenceTracker({
    store,
    notifier: hub,
    logger: silentLogger,
    ttlMs: config.presenceTtlMs,
    graceMs: config.presenceGraceMs,
    maxGroupSize: config.presenceMaxGroup,
  });
  const tokens = createTokenAuthority(testSecret);
  const app = createApp({
    store,
    notifier: hub,
    presence,
    tokens,
    logger: silentLogger,
    devMode: false,
    testHooks,
  });
  return {
    app,
    store,
    hub,
    tokens,
    call: makeCaller(tokens, async (path, init) => app.request(path, init)),
    async close() {
      presence.close();
      await store.close();
      await drop();
    },
  };
}

/** A server listening on 127.0.0.1 port 0 over a fresh store. */
export interface TestServer {
  server: RunningServer;
  url: string;
  store: Store;
  tokens: TokenAuthority;
  call: Caller;
  close(): Promise<void>;
}

/** Options of {@link startTestServer}. */
export interface TestServerOptions {
  testHooks?: TestHooks;
  authTimeoutMs?: number;
  /** Settings that replace the test defaults, such as short presence timings. */
  config?: Partial<Config>;
}

/** Starts a real server on a random port over a fresh store. */
export async function startTestServer(
  kind: StoreKind,
  options: TestServerOptions = {},
): Promise<TestServer> {
  const { config: storeConfig, drop } = await makeStoreConfig(kind);
  const { config: overrides, ...startOptions } = options;
  const config = { ...storeConfig, ...overrides };
  const server = await startServer({ config, logger: silentLogger, ...startOptions });
  const tokens = createTokenAuthority(testSecret);
  return {
    server,
    url: server.url,
    store: server.store,
    tokens,
    call: makeCaller(tokens, (path, init) => fetch(`${server.url}${path}`, init)),
    async close() {
      await server.close();
      await drop();
    },
  };
}
