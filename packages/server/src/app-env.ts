import type { HttpBindings } from "@hono/node-server";
import type { Logger } from "pino";
import type { TokenAuthority } from "./auth/tokens.ts";
import type { ServerMetrics } from "./metrics/server-metrics.ts";
import type { SecurityConfig } from "./security/security-config.ts";
import type { Store } from "./store/store.ts";
import type { BeforeCommit } from "./sync/push.ts";
import type { RetentionSweeper } from "./sync/retention.ts";
import type { Notifier } from "./ws/notifier.ts";
import type { PresenceReader } from "./ws/presence.ts";

/** Fault-injection points for tests; only `startServer`'s options can set them. */
export interface TestHooks {
  /** Runs inside the push transaction after seqs are assigned, before COMMIT. */
  beforeCommit?: BeforeCommit;
  /**
   * Runs after COMMIT, before the push response is sent. Throwing here
   * makes the server drop the response (destroy the socket).
   */
  afterCommit?: (info: { conversationIds: string[] }) => Promise<void>;
  /** Receives the retention sweeper when RETENTION_DAYS is set, so a test can run a sweep. */
  onRetentionSweeper?: (sweeper: RetentionSweeper) => void;
}

/** Services the HTTP routes use from the running server. */
export interface AppDeps {
  store: Store;
  notifier: Notifier;
  /** The presence tracker for `GET /v1/presence`. Without it, every user is reported offline. */
  presence?: PresenceReader | undefined;
  tokens: TokenAuthority;
  logger: Logger;
  /** True when the dev token endpoint is served (no AUTH_SECRET). */
  devMode: boolean;
  demoDir?: string | undefined;
  /** Ops that one push transaction takes from concurrent pushes; default 1000. */
  pushBatchMaxOps?: number | undefined;
  testHooks?: TestHooks | undefined;
  /** CORS origins and per-user rate limits; undefined applies neither. */
  security?: SecurityConfig | undefined;
  /** When set, `GET /metrics` is served and the sync routes are counted. */
  metrics?: ServerMetrics | undefined;
}

/** Hono's environment: node bindings and the per-request variables. */
export interface AppEnv {
  Bindings: Partial<HttpBindings>;
  Variables: {
    /** The authenticated user, set by the bearer middleware. */
    userId: string;
    /** The request's child logger, carrying its request id. */
    log: Logger;
    /** Set by hono's request-id middleware. */
    requestId: string;
  };
}
