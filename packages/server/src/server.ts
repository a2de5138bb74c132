import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { createApp } from "./app.ts";
import type { TestHooks } from "./app-env.ts";
import { createTokenAuthority, makeDevSecret } from "./auth/tokens.ts";
import type { Config } from "./config.ts";
import { createLogger } from "./logger.ts";
import { observeDeviceDelivery } from "./metrics/device-delivery.ts";
import { HubMeter } from "./metrics/hub-meter.ts";
import { meterStore } from "./metrics/metered-store.ts";
import { createServerMetrics } from "./metrics/server-metrics.ts";
import { createNodeServer, warnOnOpenSettings } from "./security/node-server.ts";
import { createSocketLimits } from "./security/socket-limits.ts";
import { openStore } from "./store/open-store.ts";
import type { Store } from "./store/store.ts";
import { RetentionSweeper } from "./sync/retention.ts";
import { NatsNotifier } from "./ws/nats-notifier.ts";
import type { Notifier } from "./ws/notifier.ts";
import { PgNotifier } from "./ws/pg-notifier.ts";
import { PresenceTracker } from "./ws/presence.ts";
import type { PresenceChannel } from "./ws/presence-channel.ts";
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

/**
 * The share of `config.shutdownTimeoutMs` that requests in flight get to
 * finish; the rest is left for closing sockets and the store.
 */
const drainShare = 0.7;

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
  warnOnOpenSettings(config, logger);
  const tokens = createTokenAuthority(config.authSecret ?? makeDevSecret(), {
    clockSkewS: config.security.jwtClockSkewS,
    issuer: config.security.jwtIssuer,
    audience: config.security.jwtAudience,
  });

  const metrics = createServerMetrics();
  const store = meterStore(await openStore(config), metrics);
  const hub = new SocketHub(new HubMeter(metrics, config.deliverySloMs), config.scaling);
  const notifier = await startNotifier(config, store, hub, logger);
  // Each node sends presence frames to its own sockets, and the notifier
  // carries which users each node holds, so the hub is the frame notifier.
  const presence = new PresenceTracker({
    store,
    notifier: hub,
    channel: notifier instanceof SocketHub ? undefined : notifier,
    logger,
    ttlMs: config.presenceTtlMs,
    graceMs: config.presenceGraceMs,
    maxGroupSize: config.presenceMaxGroup,
  });
  const app = createApp({
    store,
    notifier,
    presence,
    tokens,
    logger,
    devMode,
    demoDir: config.demoDir,
    pushBatchMaxOps: config.pushBatchMaxOps,
    testHooks,
    security: config.security,
    metrics,
  });
  const server = createNodeServer(app.fetch, config);
  const sockets = attachSocketServer(server, {
    hub,
    notifier,
    tokens,
    store,
    typingLimiter: new TypingLimiter(config.security.typingIntervalMs),
    presence,
    typingTtlMs: config.typingTtlMs,
    onDeliverySample: (sample) => observeDeviceDelivery(metrics, sample),
    logger,
    authTimeoutMs: options.authTimeoutMs ?? 10_000,
    limits: createSocketLimits(config.security),
    maxBufferedBytes: config.scaling.socketHardBufferBytes,
  });

  const retention = startRetention(config, store, logger);
  if (retention !== undefined) testHooks?.onRetentionSweeper?.(retention);

  try {
    await listen(server, config.port, config.host);
  } catch (error) {
    presence.close();
    await retention?.close();
    if (!(notifier instanceof SocketHub)) await notifier.close();
    await store.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const scheme = config.security.tls === undefined ? "http" : "https";
  const url = `${scheme}://${formatHost(config.host)}:${port}`;
  logger.info({ url, port, store: store.kind }, "server started");

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    store,
    close() {
      closing ??= (async () => {
        logger.info({ timeoutMs: config.shutdownTimeoutMs }, "server stopping");
        const drained = stopHttp(server, config.shutdownTimeoutMs * drainShare);
        await sockets.close();
        presence.close();
        await drained;
        await retention?.close();
        if (!(notifier instanceof SocketHub)) await notifier.close();
        await store.close();
        logger.info({ url }, "server stopped");
      })();
      return closing;
    },
  };
}

/** A notifier that reaches the other nodes of one database. */
type ClusterNotifier = Notifier & PresenceChannel & { close(): Promise<void> };

/**
 * Picks the fanout: on Postgres, NATS when NATS_URL is set and NOTIFY
 * otherwise reach the other nodes. PGlite runs in one process, so the
 * local hub is enough.
 */
async function startNotifier(
  config: Config,
  store: Store,
  hub: SocketHub,
  logger: Logger,
): Promise<SocketHub | ClusterNotifier> {
  if (store.kind !== "postgres" || config.databaseUrl === undefined) return hub;
  const notifier =
    config.natsUrl === undefined
      ? new PgNotifier({
          url: config.databaseUrl,
          runner: store,
          hub,
          logger,
          heartbeatMs: config.listenHeartbeatMs,
        })
      : new NatsNotifier({
          natsUrl: config.natsUrl,
          subjectPrefix: config.natsSubjectPrefix,
          runner: store,
          hub,
          logger,
        });
  try {
    await notifier.start();
  } catch (error) {
    await store.close();
    throw error;
  }
  return notifier;
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
async function stopHttp(server: Server, drainTimeoutMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), drainTimeoutMs);
  await closed;
  clearTimeout(timer);
}

function formatHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/** Starts the retention sweeper when RETENTION_DAYS is set. */
function startRetention(
  config: Config,
  store: Store,
  logger: Logger,
): RetentionSweeper | undefined {
  const { retentionDays, retentionIntervalMs } = config.scaling;
  if (retentionDays === undefined) return undefined;
  const sweeper = new RetentionSweeper({
    runner: store,
    logger,
    retentionDays,
    intervalMs: retentionIntervalMs,
  });
  sweeper.start();
  logger.info({ retentionDays, intervalMs: retentionIntervalMs }, "retention sweeper started");
  return sweeper;
}
