import { readFileSync } from "node:fs";
import { limits } from "@syncline/protocol";

/** A token bucket's refill rate and capacity. */
export interface RateSetting {
  /** Tokens added per second. */
  perSecond: number;
  /** Maximum tokens in the bucket, so the largest burst let through at once. */
  burst: number;
}

/** The PEM files that switch the server to HTTPS and WSS. */
export interface TlsFiles {
  certPath: string;
  keyPath: string;
  cert: Buffer;
  key: Buffer;
}

/** Token checks, origin allow-list, rate limits and TLS, parsed by {@link parseSecurityConfig}. */
export interface SecurityConfig {
  /** Leeway in seconds when checking a token's `exp` and `nbf`. */
  jwtClockSkewS: number;
  /** Required `iss` claim, or undefined to accept any issuer. */
  jwtIssuer: string | undefined;
  /** Required `aud` claim, or undefined to accept any audience. */
  jwtAudience: string | undefined;
  /** Origins allowed for WebSocket upgrades and CORS, or undefined to allow every origin. */
  allowedOrigins: readonly string[] | undefined;
  /** Ops pushed per user. */
  pushOps: RateSetting;
  /** Pull requests (single and batched) per user. */
  pulls: RateSetting;
  /** Client frames per user, over all of that user's sockets. */
  frames: RateSetting;
  /** Frames rejected in a row for the rate before the socket is closed with 4429. */
  framesOverLimitBeforeClose: number;
  /** Socket auth frames per client IP address. */
  authAttempts: RateSetting;
  /** Reverse proxies in front of the server whose `X-Forwarded-For` entries are trusted. */
  trustedProxyHops: number;
  /** Milliseconds between two typing relays of one user in one conversation. */
  typingIntervalMs: number;
  /** Authenticated sockets per user; the oldest is closed with 4429 past it. */
  maxSocketsPerUser: number;
  /** The certificate and key, or undefined to serve plain HTTP and WS. */
  tls: TlsFiles | undefined;
}

/** Reads one environment variable, with empty counted as unset. */
export type ReadVariable = (name: string) => string | undefined;

/**
 * Parses the security settings, pushing one sentence per bad value onto
 * `problems`. Reads the TLS files, so a bad path fails at start.
 */
export function parseSecurityConfig(read: ReadVariable, problems: string[]): SecurityConfig {
  const number = (name: string, fallback: number, min: number, integer = true) =>
    parseNumber({ name, value: read(name), fallback, min, integer }, problems);
  const rate = (name: string, burstName: string, perSecond: number, burst: number) => ({
    perSecond: number(name, perSecond, 0.001, false),
    burst: number(burstName, burst, 1),
  });

  const config: SecurityConfig = {
    jwtClockSkewS: number("JWT_CLOCK_SKEW_S", 30, 0),
    jwtIssuer: read("JWT_ISSUER"),
    jwtAudience: read("JWT_AUDIENCE"),
    allowedOrigins: parseOrigins(read("ALLOWED_ORIGINS"), problems),
    pushOps: rate("RATE_PUSH_OPS_PER_S", "RATE_PUSH_BURST", 200, 2000),
    pulls: rate("RATE_PULL_PER_S", "RATE_PULL_BURST", 50, 200),
    frames: rate("RATE_FRAMES_PER_S", "RATE_FRAMES_BURST", 30, 100),
    framesOverLimitBeforeClose: number("RATE_FRAMES_HARD_LIMIT", 20, 1),
    authAttempts: rate("RATE_AUTH_PER_S", "RATE_AUTH_BURST", 1, 20),
    trustedProxyHops: number("TRUSTED_PROXY_HOPS", 0, 0),
    typingIntervalMs: number("TYPING_INTERVAL_MS", 1000, 0),
    maxSocketsPerUser: number("MAX_SOCKETS_PER_USER", 20, 1),
    tls: readTls(read("TLS_CERT"), read("TLS_KEY"), problems),
  };
  if (config.pushOps.burst < limits.maxOpsPerPush) {
    problems.push(
      `RATE_PUSH_BURST must be at least ${limits.maxOpsPerPush}, the ops allowed in one push, got ${config.pushOps.burst}.`,
    );
  }
  return config;
}

interface NumberSetting {
  name: string;
  value: string | undefined;
  fallback: number;
  min: number;
  integer: boolean;
}

function parseNumber(setting: NumberSetting, problems: string[]): number {
  const { name, value, fallback, min, integer } = setting;
  if (value === undefined) return fallback;
  const parsed = Number(value);
  const pattern = integer ? /^\d+$/ : /^\d+(\.\d+)?$/;
  if (!pattern.test(value) || parsed < min || !Number.isFinite(parsed)) {
    const kind = integer ? "an integer" : "a number";
    problems.push(`${name} must be ${kind} of at least ${min}, got "${value}".`);
  }
  return parsed;
}

function parseOrigins(value: string | undefined, problems: string[]): string[] | undefined {
  if (value === undefined) return undefined;
  const origins = value
    .split(",")
    .map((origin) => origin.trim())
    .filter((origin) => origin !== "");
  for (const origin of origins) {
    // An origin is a scheme, host and optional port with no path, as browsers send it.
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      problems.push(
        `ALLOWED_ORIGINS must list origins such as https://chat.example.com, got "${origin}".`,
      );
    }
  }
  return origins;
}

function readTls(
  certPath: string | undefined,
  keyPath: string | undefined,
  problems: string[],
): TlsFiles | undefined {
  if (certPath === undefined && keyPath === undefined) return undefined;
  if (certPath === undefined || keyPath === undefined) {
    problems.push("TLS_CERT and TLS_KEY must be set together, or neither for plain HTTP.");
    return undefined;
  }
  const cert = readPem("TLS_CERT", certPath, problems);
  const key = readPem("TLS_KEY", keyPath, problems);
  if (cert === undefined || key === undefined) return undefined;
  return { certPath, keyPath, cert, key };
}

function readPem(name: string, path: string, problems: string[]): Buffer | undefined {
  try {
    const pem = readFileSync(path);
    if (!pem.toString("latin1").includes("-----BEGIN ")) {
      problems.push(`${name} must be a PEM file, but "${path}" has no BEGIN line.`);
      return undefined;
    }
    return pem;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
    problems.push(`${name} must be a readable file, but "${path}" failed with ${reason}.`);
    return undefined;
  }
}
