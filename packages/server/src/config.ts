import { parseScalingConfig, type ScalingConfig } from "./scaling-config.ts";
import { parseSecurityConfig, type SecurityConfig } from "./security/security-config.ts";
import { isValidSubjectPrefix, maxSubjectPrefixLength } from "./ws/nats-subjects.ts";

/** The server's settings, parsed from the environment by {@link loadConfig}. */
export interface Config {
  /** TCP port to listen on, where 0 picks any free port. */
  port: number;
  /** Address to listen on. */
  host: string;
  /** A `postgres://` or `postgresql://` URL selects Postgres, and undefined selects PGlite. */
  databaseUrl: string | undefined;
  /** PGlite's data folder, where `memory://` keeps the database in memory. */
  dataDir: string;
  /** HS256 secret of the tokens. Undefined runs the server in dev mode. */
  authSecret: string | undefined;
  /** pino level: fatal, error, warn, info, debug, trace or silent. */
  logLevel: string;
  /** True when NODE_ENV is `production`. */
  production: boolean;
  /** A folder of static files served at `/`, or undefined to serve none. */
  demoDir: string | undefined;
  /** Ops that one push transaction takes from concurrent pushes. */
  pushBatchMaxOps: number;
  /** How often a Postgres node checks its LISTEN connection with a self-sent NOTIFY. */
  listenHeartbeatMs: number;
  /** A `nats://` URL makes nodes notify each other through NATS instead of NOTIFY. */
  natsUrl: string | undefined;
  /**
   * The first tokens of every NATS subject, unique per cluster sharing a NATS
   * server (NATS_SUBJECT_PREFIX). Undefined derives one from the database identity.
   */
  natsSubjectPrefix: string | undefined;
  /** Token checks, origin allow-list, rate limits and TLS. */
  security: SecurityConfig;
  /** A notify frame written to a socket within this time after its commit counts as on time. */
  deliverySloMs: number;
  /** How long a graceful shutdown may take before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** How long a typing indicator shows on receivers without a new typing frame (TYPING_TTL_MS). */
  typingTtlMs: number;
  /** A socket with no frame, ping included, for this long keeps no one online (PRESENCE_TTL_MS). */
  presenceTtlMs: number;
  /** How long a user without live sockets stays online before offline is sent (PRESENCE_GRACE_MS). */
  presenceGraceMs: number;
  /** Conversations with more members than this get no presence frames (PRESENCE_MAX_GROUP). */
  presenceMaxGroup: number;
  /** Notify inlining, socket buffer limits and event retention. */
  scaling: ScalingConfig;
}

/** Every problem found in the environment, one sentence each. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join(" ")}`);
    this.problems = problems;
  }
}

const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** HS256 keys shorter than the hash output (32 bytes) weaken the signature. */
const minSecretBytes = 32;

/**
 * Parses and validates the server's environment variables. An empty
 * variable counts as unset. Throws a {@link ConfigError} that lists every
 * bad value at once.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const problems: string[] = [];
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  const production = read("NODE_ENV") === "production";

  const config: Config = {
    port: parsePort(read("PORT"), problems),
    host: read("HOST") ?? "127.0.0.1",
    databaseUrl: parseDatabaseUrl(read("DATABASE_URL"), problems),
    dataDir: read("DATA_DIR") ?? "./data",
    authSecret: parseAuthSecret(read("AUTH_SECRET"), production, problems),
    logLevel: parseLogLevel(read("LOG_LEVEL"), problems),
    production,
    demoDir: read("DEMO_DIR"),
    pushBatchMaxOps: parseBounded("PUSH_BATCH_MAX_OPS", read("PUSH_BATCH_MAX_OPS"), {
      fallback: 1000,
      min: 1,
      max: 100_000,
      problems,
    }),
    listenHeartbeatMs: parseBounded("LISTEN_HEARTBEAT_MS", read("LISTEN_HEARTBEAT_MS"), {
      fallback: 5000,
      min: 100,
      max: 600_000,
      problems,
    }),
    natsUrl: parseNatsUrl(read("NATS_URL"), read("DATABASE_URL"), problems),
    natsSubjectPrefix: parseNatsSubjectPrefix(read("NATS_SUBJECT_PREFIX"), problems),
    security: parseSecurityConfig(read, problems),
    deliverySloMs: parseMilliseconds("DELIVERY_SLO_MS", read("DELIVERY_SLO_MS"), 1000, problems),
    shutdownTimeoutMs: parseMilliseconds(
      "SHUTDOWN_TIMEOUT_MS",
      read("SHUTDOWN_TIMEOUT_MS"),
      10_000,
      problems,
    ),
    typingTtlMs: parsePositiveInt("TYPING_TTL_MS", read("TYPING_TTL_MS"), 5000, problems),
    presenceTtlMs: parsePositiveInt("PRESENCE_TTL_MS", read("PRESENCE_TTL_MS"), 60_000, problems),
    presenceGraceMs: parsePositiveInt(
      "PRESENCE_GRACE_MS",
      read("PRESENCE_GRACE_MS"),
      5000,
      problems,
    ),
    presenceMaxGroup: parsePositiveInt(
      "PRESENCE_MAX_GROUP",
      read("PRESENCE_MAX_GROUP"),
      100,
      problems,
    ),
    scaling: parseScalingConfig(read, problems),
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function parsePort(value: string | undefined, problems: string[]): number {
  if (value === undefined) return 8787;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    problems.push(`PORT must be an integer from 0 to 65535, got "${value}".`);
  }
  return port;
}

function parseDatabaseUrl(value: string | undefined, problems: string[]): string | undefined {
  if (value === undefined) return undefined;
  if (!/^postgres(ql)?:\/\//.test(value) || !URL.canParse(value)) {
    problems.push(
      "DATABASE_URL must be a postgres:// or postgresql:// URL; unset it to use embedded PGlite.",
    );
  }
  return value;
}

function parseAuthSecret(
  value: string | undefined,
  production: boolean,
  problems: string[],
): string | undefined {
  if (value === undefined) {
    if (production) {
      problems.push(
        "AUTH_SECRET is required when NODE_ENV is production; set it to a random string of at least 32 bytes.",
      );
    }
    return undefined;
  }
  if (Buffer.byteLength(value) < minSecretBytes) {
    problems.push(`AUTH_SECRET must be at least ${minSecretBytes} bytes long.`);
  }
  return value;
}

function parsePositiveInt(
  name: string,
  value: string | undefined,
  fallback: number,
  problems: string[],
): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed < 1 || !Number.isSafeInteger(parsed)) {
    problems.push(`${name} must be a positive integer, got "${value}".`);
  }
  return parsed;
}

function parseLogLevel(value: string | undefined, problems: string[]): string {
  if (value === undefined) return "info";
  if (!logLevels.includes(value)) {
    problems.push(`LOG_LEVEL must be one of ${logLevels.join(", ")}, got "${value}".`);
  }
  return value;
}

function parseNatsUrl(
  value: string | undefined,
  databaseUrl: string | undefined,
  problems: string[],
): string | undefined {
  if (value === undefined) return undefined;
  if (!/^(nats|tls):\/\//.test(value) || !URL.canParse(value)) {
    problems.push(`NATS_URL must be a nats:// or tls:// URL, got "${value}".`);
  }
  if (databaseUrl === undefined) {
    problems.push(
      "NATS_URL needs DATABASE_URL, because nodes on embedded PGlite cannot share data.",
    );
  }
  return value;
}

function parseNatsSubjectPrefix(value: string | undefined, problems: string[]): string | undefined {
  if (value === undefined) return undefined;
  if (!isValidSubjectPrefix(value)) {
    problems.push(
      `NATS_SUBJECT_PREFIX must be up to ${maxSubjectPrefixLength} printable ASCII characters in dot-separated tokens, with no empty token, no wildcard * or >, and no token starting with $, got "${value}".`,
    );
  }
  return value;
}

/** Parses an integer setting within `[min, max]`, or returns `fallback` when it is unset. */
function parseBounded(
  name: string,
  value: string | undefined,
  bounds: { fallback: number; min: number; max: number; problems: string[] },
): number {
  if (value === undefined) return bounds.fallback;
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed < bounds.min || parsed > bounds.max) {
    bounds.problems.push(
      `${name} must be an integer from ${bounds.min} to ${bounds.max}, got "${value}".`,
    );
  }
  return parsed;
}

/** The bounds of a duration setting, in milliseconds. */
const minDurationMs = 1;
const maxDurationMs = 3_600_000;

function parseMilliseconds(
  name: string,
  value: string | undefined,
  defaultMs: number,
  problems: string[],
): number {
  if (value === undefined) return defaultMs;
  const ms = Number(value);
  if (!/^\d+$/.test(value) || ms < minDurationMs || ms > maxDurationMs) {
    problems.push(
      `${name} must be a whole number of milliseconds from ${minDurationMs} to ${maxDurationMs}, got "${value}".`,
    );
  }
  return ms;
}

/** Tells whether a data folder setting keeps PGlite in memory. */
export function isMemoryDataDir(dataDir: string): boolean {
  return dataDir.startsWith("memory://");
}
