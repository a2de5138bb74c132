import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parseSecurityConfig } from "./security-config.ts";

function parse(env: Record<string, string>) {
  const problems: string[] = [];
  const config = parseSecurityConfig((name) => env[name], problems);
  return { config, problems };
}

describe("security config", () => {
  test("defaults apply to an empty environment", () => {
    const { config, problems } = parse({});

    expect(problems).toEqual([]);
    expect(config).toEqual({
      jwtClockSkewS: 30,
      jwtIssuer: undefined,
      jwtAudience: undefined,
      allowedOrigins: undefined,
      pushOps: { perSecond: 200, burst: 2000 },
      pulls: { perSecond: 50, burst: 200 },
      frames: { perSecond: 30, burst: 100 },
      framesOverLimitBeforeClose: 20,
      authAttempts: { perSecond: 1, burst: 20 },
      trustedProxyHops: 0,
      typingIntervalMs: 1000,
      maxSocketsPerUser: 20,
      tls: undefined,
    });
  });

  test("every setting is read", () => {
    const { config, problems } = parse({
      JWT_CLOCK_SKEW_S: "5",
      JWT_ISSUER: "auth.example.com",
      JWT_AUDIENCE: "syncline",
      ALLOWED_ORIGINS: "https://a.example.com, http://localhost:5173",
      RATE_PUSH_OPS_PER_S: "2.5",
      RATE_PUSH_BURST: "100",
      RATE_PULL_PER_S: "3",
      RATE_PULL_BURST: "4",
      RATE_FRAMES_PER_S: "5",
      RATE_FRAMES_BURST: "6",
      RATE_FRAMES_HARD_LIMIT: "7",
      RATE_AUTH_PER_S: "0.5",
      RATE_AUTH_BURST: "8",
      TRUSTED_PROXY_HOPS: "2",
      TYPING_INTERVAL_MS: "250",
      MAX_SOCKETS_PER_USER: "3",
    });

    expect(problems).toEqual([]);
    expect(config).toMatchObject({
      jwtClockSkewS: 5,
      jwtIssuer: "auth.example.com",
      jwtAudience: "syncline",
      allowedOrigins: ["https://a.example.com", "http://localhost:5173"],
      pushOps: { perSecond: 2.5, burst: 100 },
      pulls: { perSecond: 3, burst: 4 },
      frames: { perSecond: 5, burst: 6 },
      framesOverLimitBeforeClose: 7,
      authAttempts: { perSecond: 0.5, burst: 8 },
      trustedProxyHops: 2,
      typingIntervalMs: 250,
      maxSocketsPerUser: 3,
    });
  });

  test("bad values name their variable", () => {
    const { problems } = parse({
      JWT_CLOCK_SKEW_S: "-1",
      ALLOWED_ORIGINS: "https://a.example.com/path",
      RATE_PULL_PER_S: "0",
      RATE_PUSH_BURST: "10",
      MAX_SOCKETS_PER_USER: "many",
    });

    expect(problems).toHaveLength(5);
    for (const name of [
      "JWT_CLOCK_SKEW_S",
      "ALLOWED_ORIGINS",
      "RATE_PULL_PER_S",
      "RATE_PUSH_BURST",
      "MAX_SOCKETS_PER_USER",
    ]) {
      expect(problems.some((problem) => problem.startsWith(name))).toBe(true);
    }
  });

  test("missing TLS file names its variable", async () => {
    const dir = await mkdtemp(join(tmpdir(), "syncline-tls-config-"));
    const certPath = join(dir, "cert.pem");
    await writeFile(certPath, "-----BEGIN CERTIFICATE-----\n");

    const { problems } = parse({ TLS_CERT: certPath, TLS_KEY: join(dir, "missing.pem") });

    expect(problems).toEqual([expect.stringMatching(/^TLS_KEY must be a readable file.*ENOENT/)]);
  });

  test("non-PEM TLS file names its variable", async () => {
    const dir = await mkdtemp(join(tmpdir(), "syncline-tls-config-"));
    const junkPath = join(dir, "junk");
    await writeFile(junkPath, "not a certificate");

    const { problems } = parse({ TLS_CERT: junkPath, TLS_KEY: junkPath });

    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^TLS_CERT must be a PEM file/);
    expect(problems[1]).toMatch(/^TLS_KEY must be a PEM file/);
  });

  test("TLS_CERT alone is a problem", () => {
    expect(parse({ TLS_CERT: "/tmp/cert.pem" }).problems).toEqual([
      expect.stringMatching(/TLS_CERT and TLS_KEY must be set together/),
    ]);
  });
});
