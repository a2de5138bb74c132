import { loadConfig, startServer } from "@syncline/server";
import { serveParent } from "./ipc.ts";
import { createProcessProbe } from "./process-probe.ts";

/**
 * The server under test, in its own process so that its CPU, memory and
 * event-loop delay are its own. DATABASE_URL selects Postgres, else PGlite
 * in memory; AUTH_SECRET must be set so the bench can sign tokens. The
 * rate limits are raised far past any scenario's load, because every bench
 * socket comes from one loopback address and few users.
 */
const unlimited = "1000000000";
const config = {
  ...loadConfig({
    AUTH_SECRET: process.env.AUTH_SECRET,
    DATABASE_URL: process.env.DATABASE_URL,
    LOG_LEVEL: "silent",
    RATE_PUSH_OPS_PER_S: unlimited,
    RATE_PUSH_BURST: unlimited,
    RATE_PULL_PER_S: unlimited,
    RATE_PULL_BURST: unlimited,
    RATE_FRAMES_PER_S: unlimited,
    RATE_FRAMES_BURST: unlimited,
    RATE_AUTH_PER_S: unlimited,
    RATE_AUTH_BURST: unlimited,
    MAX_SOCKETS_PER_USER: unlimited,
  }),
  port: 0,
  dataDir: "memory://",
};
const server = await startServer({ config });
const probe = createProcessProbe();

serveParent(
  {
    reset: () => {
      probe.reset();
      return {};
    },
    read: () => probe.read(),
  },
  async () => {
    probe.stop();
    await server.close();
  },
);
process.send?.({ url: server.url });
