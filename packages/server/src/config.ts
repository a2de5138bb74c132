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
  /** How long a typing indicator shows on receivers without a new typing frame (TYPING_TTL_MS). */
  typingTtlMs: number;
  /** A socket with no frame, ping included, for this long keeps no one online (PRESENCE_TTL_MS). */
  presenceTtlMs: number;
  /** How long a user without live sockets stays online before offline is sent (PRESENCE_GRACE_MS). */
  presenceGraceMs: number;
  /** Conversations with more members than this get no presence frames (PRESENCE_MAX_GROUP). */
  presenceMaxGroup: number;
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

/** Tells whether a data folder setting keeps PGlite in memory. */
export function isMemoryDataDir(dataDir: string): boolean {
  return dataDir.startsWith("memory://");
}
