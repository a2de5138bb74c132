import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ConfigError, loadConfig } from "./config.ts";
import { createLogger } from "./logger.ts";
import { startServer } from "./server.ts";

/** The demo page's build output, served at `/` when DEMO_DIR is not set. */
const defaultDemoDir = fileURLToPath(new URL("../../demo/dist", import.meta.url));

/**
 * The server's entry point and the only reader of `process.env`. SIGINT
 * and SIGTERM stop it gracefully: no new connections, sockets closed with
 * 1012, requests in flight drained, the store closed.
 */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    createLogger("info").fatal({ problems: error.problems }, error.message);
    process.exit(1);
  }
  if (config.demoDir === undefined && existsSync(defaultDemoDir)) {
    config = { ...config, demoDir: defaultDemoDir };
  }
  const logger = createLogger(config.logLevel);

  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({ config, logger });
  } catch (error) {
    logger.fatal({ err: error }, "server failed to start");
    process.exit(1);
  }

  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, "shutting down");
    // The deadline bounds a shutdown that hangs, such as on a store that never answers.
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, "shutdown timed out; exiting");
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

await main();
