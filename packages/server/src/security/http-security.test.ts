import { limits } from "@syncline/protocol";
import type { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createApp } from "../app.ts";
import type { AppEnv } from "../app-env.ts";
import { makeMessage } from "../testing/builders.ts";
import { createTestApp, silentLogger, type TestApp } from "../testing/harness.ts";
import { dumpTables } from "../testing/table-dump.ts";
import { parseSecurityConfig } from "./security-config.ts";

const allowedOrigin = "https://chat.example.com";

function securityFrom(env: Record<string, string>) {
  const problems: string[] = [];
  const config = parseSecurityConfig((name) => env[name], problems);
  expect(problems).toEqual([]);
  return config;
}

describe("http security", () => {
  let t: TestApp;
  let app: Hono<AppEnv>;
  let openApp: Hono<AppEnv>;

  beforeAll(async () => {
    t = await createTestApp("pglite");
    const deps = { store: t.store, notifier: t.hub, tokens: t.tokens, logger: silentLogger };
    const security = securityFrom({
      ALLOWED_ORIGINS: allowedOrigin,
      RATE_PUSH_OPS_PER_S: "0.001",
      RATE_PUSH_BURST: "100",
      RATE_PULL_PER_S: "0.001",
      RATE_PULL_BURST: "2",
    });
    app = createApp({ ...deps, devMode: false, security });
    openApp = createApp({ ...deps, devMode: false, security: securityFrom({}) });
    await t.call("POST", "/v1/conversations", { userId: "alice", body: { id: "s1" } });
  });
  afterAll(async () => {
    await t.close();
  });

  async function send(
    target: Hono<AppEnv>,
    method: string,
    path: string,
    userId: string,
    body?: unknown,
  ) {
    return target.request(path, {
      method,
      headers: {
        authorization: `Bearer ${await t.tokens.issue(userId)}`,
        "content-type": "application/json",
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
  }

  test("cors echoes an allowed origin only", async () => {
    const allowed = await app.request("/healthz", { headers: { origin: allowedOrigin } });
    const foreign = await app.request("/healthz", { headers: { origin: "https://evil.example" } });

    expect(allowed.headers.get("access-control-allow-origin")).toBe(allowedOrigin);
    expect(allowed.headers.get("access-control-allow-credentials")).toBeNull();
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("cors preflight needs no token", async () => {
    const response = await app.request("/v1/push", {
      method: "OPTIONS",
      headers: {
        origin: allowedOrigin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });

    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-headers")).toMatch(/authorization/);
  });

  test("unset origin list allows any origin", async () => {
    const response = await openApp.request("/healthz", {
      headers: { origin: "https://any.example" },
    });

    expect(response.headers.get("access-control-allow-origin")).toBe("*");
  });

  test("push over the op rate is 429 and stores nothing", async () => {
    await t.call("POST", "/v1/conversations", { userId: "pusher", body: { id: "s2" } });
    const full = Array.from({ length: 100 }, (_, i) => makeMessage("s2", `m${i}`));
    const first = await send(app, "POST", "/v1/push", "pusher", { ops: full });
    const before = await dumpTables(t.store);

    const second = await send(app, "POST", "/v1/push", "pusher", { ops: [makeMessage("s2", "x")] });

    expect(first.status).toBe(200);
    expect(second.status).toBe(429);
    expect((await second.json()).error.code).toBe("rate_limited");
    expect(Number(second.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await dumpTables(t.store)).toEqual(before);
  });

  test("push rate is per user", async () => {
    await t.call("POST", "/v1/conversations", { userId: "other-pusher", body: { id: "s3" } });

    const response = await send(app, "POST", "/v1/push", "other-pusher", {
      ops: [makeMessage("s3", "hi")],
    });

    expect(response.status).toBe(200);
  });

  test("pulls over the rate are 429", async () => {
    const statuses: number[] = [];
    statuses.push((await send(app, "GET", "/v1/conversations/s1/events", "alice")).status);
    statuses.push((await send(app, "POST", "/v1/pull", "alice", { cursors: { s1: 0 } })).status);
    const limited = await send(app, "GET", "/v1/conversations/s1/events", "alice");

    expect(statuses).toEqual([200, 200]);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
  });

  test("body over the limit is 413 and stores nothing", async () => {
    const before = await dumpTables(t.store);
    const ops = [makeMessage("s1", "x".repeat(limits.maxRequestBytes))];

    const response = await send(openApp, "POST", "/v1/push", "alice", { ops });

    expect(response.status).toBe(413);
    expect((await response.json()).error.code).toBe("payload_too_large");
    expect(await dumpTables(t.store)).toEqual(before);
  });
});
