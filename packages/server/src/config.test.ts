import { describe, expect, test } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";

const secret = "s".repeat(32);

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("loadConfig", () => {
  test("defaults apply to an empty environment", () => {
    expect(loadConfig({})).toEqual({
      port: 8787,
      host: "127.0.0.1",
      databaseUrl: undefined,
      dataDir: "./data",
      authSecret: undefined,
      logLevel: "info",
      production: false,
      demoDir: undefined,
      pushBatchMaxOps: 1000,
      listenHeartbeatMs: 5000,
      natsUrl: undefined,
      natsSubjectPrefix: undefined,
      security: expect.any(Object),
      deliverySloMs: 1000,
      shutdownTimeoutMs: 10_000,
      typingTtlMs: 5000,
      presenceTtlMs: 60_000,
      presenceGraceMs: 5000,
      presenceMaxGroup: 100,
      scaling: expect.any(Object),
    });
  });

  test("every setting is read", () => {
    const config = loadConfig({
      PORT: "0",
      HOST: "::1",
      DATABASE_URL: "postgresql://u@127.0.0.1:5432/db",
      DATA_DIR: "/tmp/x",
      AUTH_SECRET: secret,
      LOG_LEVEL: "debug",
      NODE_ENV: "production",
      DEMO_DIR: "/srv/demo",
      PUSH_BATCH_MAX_OPS: "50",
      LISTEN_HEARTBEAT_MS: "250",
      NATS_URL: "nats://127.0.0.1:4222",
      NATS_SUBJECT_PREFIX: "acme.prod-eu",
      DELIVERY_SLO_MS: "250",
      SHUTDOWN_TIMEOUT_MS: "3000",
      TYPING_TTL_MS: "3000",
      PRESENCE_TTL_MS: "30000",
      PRESENCE_GRACE_MS: "2000",
      PRESENCE_MAX_GROUP: "50",
    });

    expect(config).toEqual({
      port: 0,
      host: "::1",
      databaseUrl: "postgresql://u@127.0.0.1:5432/db",
      dataDir: "/tmp/x",
      authSecret: secret,
      logLevel: "debug",
      production: true,
      demoDir: "/srv/demo",
      pushBatchMaxOps: 50,
      listenHeartbeatMs: 250,
      natsUrl: "nats://127.0.0.1:4222",
      natsSubjectPrefix: "acme.prod-eu",
      security: expect.any(Object),
      deliverySloMs: 250,
      shutdownTimeoutMs: 3000,
      typingTtlMs: 3000,
      presenceTtlMs: 30_000,
      presenceGraceMs: 2000,
      presenceMaxGroup: 50,
      scaling: expect.any(Object),
    });
  });

  test("batch and heartbeat settings are bounded", () => {
    expect(problemsOf({ PUSH_BATCH_MAX_OPS: "0", LISTEN_HEARTBEAT_MS: "fast" })).toEqual([
      'PUSH_BATCH_MAX_OPS must be an integer from 1 to 100000, got "0".',
      'LISTEN_HEARTBEAT_MS must be an integer from 100 to 600000, got "fast".',
    ]);
  });

  test("NATS_URL is checked", () => {
    expect(problemsOf({ NATS_URL: "http://x" })).toEqual([
      'NATS_URL must be a nats:// or tls:// URL, got "http://x".',
      "NATS_URL needs DATABASE_URL, because nodes on embedded PGlite cannot share data.",
    ]);
  });

  test("NATS_SUBJECT_PREFIX is checked", () => {
    const cases = ["a b", "acme.*", "acme.>", "acme..prod", ".acme", "acme.", "$SYS", "héllo"];
    for (const prefix of cases) {
      expect(problemsOf({ NATS_SUBJECT_PREFIX: prefix }), prefix).toEqual([
        `NATS_SUBJECT_PREFIX must be up to 128 printable ASCII characters in dot-separated tokens, with no empty token, no wildcard * or >, and no token starting with $, got "${prefix}".`,
      ]);
    }
    expect(problemsOf({ NATS_SUBJECT_PREFIX: "x".repeat(129) })).toHaveLength(1);
    expect(problemsOf({ NATS_SUBJECT_PREFIX: "x".repeat(128) })).toEqual([]);
    expect(problemsOf({ NATS_SUBJECT_PREFIX: "acme.prod-eu_1" })).toEqual([]);
  });

  test("chat timings must be positive integers", () => {
    expect(
      problemsOf({ TYPING_TTL_MS: "0", PRESENCE_TTL_MS: "1.5", PRESENCE_MAX_GROUP: "x" }),
    ).toEqual([
      'TYPING_TTL_MS must be a positive integer, got "0".',
      'PRESENCE_TTL_MS must be a positive integer, got "1.5".',
      'PRESENCE_MAX_GROUP must be a positive integer, got "x".',
    ]);
  });

  test("empty values count as unset", () => {
    expect(loadConfig({ PORT: "", AUTH_SECRET: "", DATABASE_URL: " " })).toMatchObject({
      port: 8787,
      authSecret: undefined,
      databaseUrl: undefined,
    });
  });

  test("bad port is named", () => {
    for (const port of ["-1", "65536", "80a", "1.5"]) {
      expect(problemsOf({ PORT: port })).toEqual([
        `PORT must be an integer from 0 to 65535, got "${port}".`,
      ]);
    }
  });

  test("non-postgres database URL is rejected", () => {
    expect(problemsOf({ DATABASE_URL: "mysql://127.0.0.1/db" })[0]).toMatch(
      /^DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/,
    );
  });

  test("short secret is rejected", () => {
    expect(problemsOf({ AUTH_SECRET: "short" })).toEqual([
      "AUTH_SECRET must be at least 32 bytes long.",
    ]);
  });

  test("production requires a secret", () => {
    expect(problemsOf({ NODE_ENV: "production" })[0]).toMatch(
      /^AUTH_SECRET is required when NODE_ENV is production/,
    );
  });

  test("unknown log level is rejected", () => {
    expect(problemsOf({ LOG_LEVEL: "loud" })[0]).toMatch(/^LOG_LEVEL must be one of fatal, error/);
  });

  test("all problems are listed at once", () => {
    const problems = problemsOf({ PORT: "x", LOG_LEVEL: "loud", NODE_ENV: "production" });

    expect(problems).toHaveLength(3);
    expect(() => loadConfig({ PORT: "x" })).toThrow(/^Invalid configuration: PORT must be/);
  });
});
