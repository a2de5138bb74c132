import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import type { Logger } from "pino";
import { createApp } from "./app.ts";
import type { TestHooks } from "./app-env.ts";
import { createTokenAuthority, makeDevSecret } from "./auth/tokens.ts";
import type { Config } from "./config.ts";
import { createLogger } from "./logger.ts";
import { openStore } from "./store/open-store.ts";
import type { Store } from "./store/store.ts";
import { PresenceTracker } from "./ws/presence.ts";
import { SocketHub } from "./ws/socket-hub.ts";
import { attachSocketServer } from "./ws/socket-server.ts";
import { TypingLimiter } from "./ws/typing-limiter.ts";

/** Options of {@link startServer}. */
export interface StartOptions {
  config: Config;
  /** Defaults to a pino logger at `config.logLevel`. */
  logger?: Logger;
  /** Fault-injection points for tests, rejected when `config.production` is true. */
  testHooks?: TestHooks;
  /** How long a new socket may wait before its auth frame; default 10 s. */
  authTimeoutMs?: number;
}

/** A listening server. */
export interface RunningServer {
  /** Base URL such as `http://127.0.0.1:54321`. */
  url: string;
  port: number;
  /** The open store, for tests and tools that inspect what the server wrote. */
  store: Store;
  /** Stops accepting, closes sockets with 1012, then closes the store; idempotent. */
  close(): Promise<void>;
}

/** How long shutdown waits for requests in flight before cutting their connections. */
const drainTimeoutMs = 5000;

/**
 * Opens the store (running migrations), then serves HTTP and WebSocket on
 * one port. Test hooks come only through `options.testHooks`, never from
 * the environment, and are rejected in production.
 */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { config, testHooks } = options;
  if (testHooks !== undefined && config.production) {
    throw new Error("Test hooks cannot be used when config.production is true.");
  }
  if (config.authSecret === undefined && config.production) {
    throw new Error("config.authSecret is required when config.production is true.");
  }
  const logger = options.logger ?? createLogger(config.logLevel);
  const devMode = config.authSecret === undefined;
  if (devMode) {
    logger.warn("AUTH_SECRET is not set: dev mode, with a random secret and POST /v1/dev/token");
  }
  const tokens = createTokenAuthority(config.authSecret ?? makeDevSecret());

  const store = await openStore(config);
  const hub = new SocketHub();
  const presence = new PresenceTracker({
    store,
    notifier: hub,
    logger,
    ttlMs: config.presenceTtlMs,
    graceMs: config.presenceGraceMs,
    maxGroupSize: config.presenceMaxGroup,
  });
  const app = createApp({
    store,
    notifier: hub,
    presence,
    tokens,
    logger,
    devMode,
    demoDir: config.demoDir,
    testHooks,
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  const sockets = attachSocketServer(server, {
    hub,
    notifier: hub,
    tokens,
    store,
    typingLimiter: new TypingLimiter(),
    presence,
    typingTtlMs: config.typingTtlMs,
    logger,
    authTimeoutMs: options.authTimeoutMs ?? 10_000,
  });

  try {
    await listen(server, config.port, config.host);
  } catch (error) {
    presence.close();
    await store.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${formatHost(config.host)}:${port}`;
  logger.info({ url, port, store: store.kind }, "server started");

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    store,
    close() {
      closing ??= (async () => {
        const drained = stopHttp(server);
        await sockets.close();
        presence.close();
        await drained;
        await store.close();
        logger.info({ url }, "server stopped");
      })();
      return closing;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** Stops accepting connections, lets requests in flight finish, then cuts what is left. */
async function stopHttp(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), drainTimeoutMs);
  await closed;
  clearTimeout(timer);
}

function formatHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}
