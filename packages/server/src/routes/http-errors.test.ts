import { limits } from "@syncline/protocol";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createApp } from "../app.ts";
import { createTokenAuthority } from "../auth/tokens.ts";
import { makeMessage } from "../testing/builders.ts";
import {
  createTestApp,
  isStoreUnavailable,
  silentLogger,
  storeKinds,
  type TestApp,
  testSecret,
} from "../testing/harness.ts";
import { SocketHub } from "../ws/socket-hub.ts";

const secretKey = new TextEncoder().encode(testSecret);

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

async function signed(claims: { sub?: string; exp?: number }, key = secretKey): Promise<string> {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: "HS256" });
  if (claims.sub !== undefined) jwt.setSubject(claims.sub);
  if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
  return jwt.sign(key);
}

describe.each(storeKinds)("http errors on %s", (kind) => {
  describe.skipIf(isStoreUnavailable(kind))("", () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp(kind);
      await t.call("POST", "/v1/conversations", { userId: "alice", body: { id: "e1" } });
    });
    afterAll(async () => {
      await t.close();
    });

    async function withToken(token: string): Promise<Response> {
      return t.app.request("/v1/conversations", { headers: { authorization: `Bearer ${token}` } });
    }

    test("health and readiness answer 200", async () => {
      expect((await t.app.request("/healthz")).status).toBe(200);
      expect((await t.app.request("/readyz")).status).toBe(200);
    });

    test("missing token is 401", async () => {
      const response = await t.app.request("/v1/conversations");

      expect(response.status).toBe(401);
      expect((await response.json()).error.code).toBe("unauthorized");
    });

    test("wrong scheme is 401", async () => {
      const response = await t.app.request("/v1/conversations", {
        headers: { authorization: `Basic ${await signed({ sub: "alice", exp: 2e9 })}` },
      });

      expect(response.status).toBe(401);
    });

    test("bad signature is 401", async () => {
      const token = await signed(
        { sub: "alice", exp: 2e9 },
        new TextEncoder().encode("x".repeat(40)),
      );

      expect((await withToken(token)).status).toBe(401);
    });

    test("expired token is 401", async () => {
      const response = await withToken(
        await signed({ sub: "alice", exp: Math.floor(Date.now() / 1000) - 60 }),
      );

      expect(response.status).toBe(401);
      expect((await response.json()).error.message).toMatch(/expired/);
    });

    test("alg none is 401", async () => {
      const token = `${base64url({ alg: "none", typ: "JWT" })}.${base64url({ sub: "alice", exp: 2e9 })}.`;

      expect((await withToken(token)).status).toBe(401);
    });

    test("token without exp is 401", async () => {
      expect((await withToken(await signed({ sub: "alice" }))).status).toBe(401);
    });

    test("token with bad sub is 401", async () => {
      expect((await withToken(await signed({ exp: 2e9 }))).status).toBe(401);
      expect((await withToken(await signed({ sub: "u".repeat(129), exp: 2e9 }))).status).toBe(401);
      expect((await withToken(await signed({ sub: "", exp: 2e9 }))).status).toBe(401);
    });

    test("valid token is accepted", async () => {
      expect((await withToken(await signed({ sub: "alice", exp: 2e9 }))).status).toBe(200);
    });

    test("malformed JSON is 400", async () => {
      const response = await t.app.request("/v1/push", {
        method: "POST",
        headers: { authorization: `Bearer ${await t.tokens.issue("alice")}` },
        body: "{not json",
      });

      expect(response.status).toBe(400);
      expect((await response.json()).error.code).toBe("invalid_request");
    });

    test("invalid UTF-8 body is 400 and stores nothing", async () => {
      const op = JSON.stringify(makeMessage("e1", "PLACEHOLDER"));
      const [head, tail] = op.split("PLACEHOLDER") as [string, string];
      const body = Buffer.concat([
        Buffer.from(`{"ops":[${head}`),
        Buffer.from([0x61, 0xff, 0xfe, 0x62]),
        Buffer.from(`${tail}]}`),
      ]);
      const before = await t.call("GET", "/v1/conversations/e1/events", { userId: "alice" });

      const response = await t.app.request("/v1/push", {
        method: "POST",
        headers: {
          authorization: `Bearer ${await t.tokens.issue("alice")}`,
          "content-type": "application/json",
        },
        body,
      });
      const after = await t.call("GET", "/v1/conversations/e1/events", { userId: "alice" });

      expect(response.status).toBe(400);
      expect((await response.json()).error.message).toMatch(/UTF-8/);
      expect((await after.json()).latestSeq).toBe((await before.json()).latestSeq);
    });

    test("body over the limit is 413", async () => {
      const ops = [makeMessage("e1", "x".repeat(limits.maxRequestBytes))];

      const response = await t.call("POST", "/v1/push", { userId: "alice", body: { ops } });

      expect(response.status).toBe(413);
      expect((await response.json()).error.code).toBe("payload_too_large");
    });

    test("unknown route is 404", async () => {
      const response = await t.app.request("/nope");

      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({
        error: { code: "not_found", message: expect.any(String) },
      });
    });

    test("dev token route is absent with a secret", async () => {
      const response = await t.app.request("/v1/dev/token", {
        method: "POST",
        body: '{"userId":"a"}',
      });

      expect(response.status).toBe(404);
    });

    test("unexpected failure is 500 without details", async () => {
      const failing = await createTestApp(kind, {
        beforeCommit: async () => {
          throw new Error("SELECT secret FROM somewhere");
        },
      });
      await failing.call("POST", "/v1/conversations", { userId: "alice", body: { id: "e1" } });

      const response = await failing.call("POST", "/v1/push", {
        userId: "alice",
        body: { ops: [makeMessage("e1", "x")] },
      });
      const text = await response.text();
      await failing.close();

      expect(response.status).toBe(500);
      expect(JSON.parse(text).error.code).toBe("internal");
      expect(text).not.toContain("SELECT");
      expect(text).not.toContain(".ts:");
    });

    test("bad input never answers 500", async () => {
      const bodies: unknown[] = [
        null,
        1,
        "x",
        [],
        {},
        { ops: null },
        { ops: [null] },
        { ops: [{ clientId: 5 }] },
        { cursors: [] },
        { cursors: { e1: "a" } },
        { seq: -1 },
        { userId: null },
        { id: 5 },
        {
          ops: [{ clientId: "abcdefgh", conversationId: "e1", type: "message", body: { text: 5 } }],
        },
        {
          ops: [
            {
              clientId: "abcdefgh",
              conversationId: "__proto__",
              type: "message",
              body: { text: "a" },
            },
          ],
        },
        { cursors: { __proto__: 0, constructor: 0 } },
        { members: ["ok", ""] },
      ];
      const routes = [
        "/v1/push",
        "/v1/pull",
        "/v1/conversations",
        "/v1/conversations/e1/read",
        "/v1/conversations/e1/members",
        "/v1/dev/token",
      ];

      for (const path of routes) {
        for (const body of bodies) {
          const response = await t.call("POST", path, { userId: "alice", body });

          expect(response.status, `${path} ${JSON.stringify(body)}`).toBeLessThan(500);
        }
      }
    });

    test("readyz is 503 when the store is closed", async () => {
      const closed = await createTestApp(kind);
      await closed.store.close();

      const response = await closed.app.request("/readyz");
      const pushed = await closed.call("POST", "/v1/conversations", { userId: "alice", body: {} });
      await closed.close();

      expect(response.status).toBe(503);
      expect((await response.json()).error.code).toBe("unavailable");
      expect(pushed.status).toBe(503);
    });
  });
});

describe("dev mode", () => {
  test("dev token works for the API", async () => {
    const tokens = createTokenAuthority("dev-secret-made-at-start-32-bytes-long");
    const store = { kind: "pglite", query: async () => [] } as never;
    const app = createApp({
      store,
      notifier: new SocketHub(),
      tokens,
      logger: silentLogger,
      devMode: true,
    });

    const response = await app.request("/v1/dev/token", {
      method: "POST",
      body: '{"userId":"alice"}',
    });
    const { token } = await response.json();

    expect(response.status).toBe(200);
    expect((await tokens.verify(token)).userId).toBe("alice");
  });

  test("dev token rejects a bad user id", async () => {
    const tokens = createTokenAuthority("dev-secret-made-at-start-32-bytes-long");
    const app = createApp({
      store: {} as never,
      notifier: new SocketHub(),
      tokens,
      logger: silentLogger,
      devMode: true,
    });

    const response = await app.request("/v1/dev/token", { method: "POST", body: '{"userId":""}' });

    expect(response.status).toBe(400);
    expect((await response.json()).error.field).toBe("userId");
  });

  test("dev token rejects an unknown field", async () => {
    const tokens = createTokenAuthority("dev-secret-made-at-start-32-bytes-long");
    const app = createApp({
      store: {} as never,
      notifier: new SocketHub(),
      tokens,
      logger: silentLogger,
      devMode: true,
    });

    const response = await app.request("/v1/dev/token", {
      method: "POST",
      body: '{"userId":"alice","admin":true}',
    });

    expect(response.status).toBe(400);
    expect((await response.json()).error.field).toBe("admin");
  });
});
