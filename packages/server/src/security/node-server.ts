import type { Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createAdaptorServer } from "@hono/node-server";
import type { Logger } from "pino";
import type { Config } from "../config.ts";

type FetchHandler = Parameters<typeof createAdaptorServer>[0]["fetch"];

/**
 * Creates the node server for the app: HTTPS when TLS files are set, so
 * WebSocket upgrades on the same port are WSS, else plain HTTP. The https
 * server extends the http one, so the rest of the server code takes both.
 */
export function createNodeServer(fetch: FetchHandler, config: Config): Server {
  const tls = config.security.tls;
  if (tls === undefined) return createAdaptorServer({ fetch }) as Server;
  return createAdaptorServer({
    fetch,
    createServer: createHttpsServer,
    serverOptions: { cert: tls.cert, key: tls.key },
  }) as Server;
}

/** Logs the settings that leave a production server open, once at start. */
export function warnOnOpenSettings(config: Config, logger: Logger): void {
  if (!config.production) return;
  if (config.security.allowedOrigins === undefined) {
    logger.warn(
      "ALLOWED_ORIGINS is not set: any web page may open sockets and call the API; list your app's origins",
    );
  }
  if (config.security.tls === undefined) {
    logger.warn("TLS_CERT and TLS_KEY are not set: serving plain HTTP; terminate TLS in front");
  }
}
