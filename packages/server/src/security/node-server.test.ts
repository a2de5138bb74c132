import pino from "pino";
import { describe, expect, test } from "vitest";
import { loadConfig } from "../config.ts";
import { warnOnOpenSettings } from "./node-server.ts";

const secret = "s".repeat(32);

function warningsFor(env: Record<string, string>): string[] {
  const lines: string[] = [];
  const logger = pino({ level: "warn" }, { write: (line: string) => lines.push(line) });
  warnOnOpenSettings(loadConfig({ AUTH_SECRET: secret, ...env }), logger);
  return lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
}

describe("production warnings", () => {
  test("missing origins and TLS are logged", () => {
    const warnings = warningsFor({ NODE_ENV: "production" });

    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^ALLOWED_ORIGINS is not set/);
    expect(warnings[1]).toMatch(/^TLS_CERT and TLS_KEY are not set/);
  });

  test("set origins silence their warning", () => {
    const warnings = warningsFor({ NODE_ENV: "production", ALLOWED_ORIGINS: "https://a.example" });

    expect(warnings).toEqual([expect.stringMatching(/^TLS_CERT/)]);
  });

  test("dev mode logs nothing", () => {
    expect(warningsFor({})).toEqual([]);
  });
});
