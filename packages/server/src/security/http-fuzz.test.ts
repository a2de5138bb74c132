import { errorBodySchema, limits, type PullResponse, type PushResponse } from "@syncline/protocol";
import fc from "fast-check";
import type { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createApp } from "../app.ts";
import type { AppEnv } from "../app-env.ts";
import { makeMessage, makeOp } from "../testing/builders.ts";
import { fuzzParameters, storableTextArbitrary, unstorableTextArbitrary } from "../testing/fuzz.ts";
import { createTestApp, silentLogger, type TestApp } from "../testing/harness.ts";
import { dumpTables } from "../testing/table-dump.ts";

/** Percent-encodes the UTF-8 bytes of a string, so any string can sit in a path. */
function encodePathSegment(text: string): string {
  return [...Buffer.from(text, "utf8")]
    .map((byte) => `%${byte.toString(16).padStart(2, "0")}`)
    .join("");
}

const pathSegment = fc.oneof(
  fc.constant("f1"),
  fc.string({ unit: "binary", maxLength: 20 }).map(encodePathSegment),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
  fc.constantFrom("%", "%ZZ", "%E0%A4%A", "%C0%80", "%00", "..", "%2F", "a".repeat(300)),
);

const routes = [
  { method: "POST", path: () => "/v1/push" },
  { method: "POST", path: () => "/v1/pull" },
  { method: "GET", path: (id: string) => `/v1/conversations/${id}/events` },
  { method: "POST", path: () => "/v1/conversations" },
  { method: "GET", path: () => "/v1/conversations" },
  { method: "POST", path: (id: string) => `/v1/conversations/${id}/members` },
  {
    method: "DELETE",
    path: (id: string, user: string) => `/v1/conversations/${id}/members/${user}`,
  },
  { method: "POST", path: (id: string) => `/v1/conversations/${id}/read` },
  { method: "POST", path: () => "/v1/dev/token" },
  { method: "PUT", path: (id: string) => `/v1/${id}` },
] as const;

const body = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.record({ ops: fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 }) }).map(JSON.stringify),
  fc.record({ cursors: fc.dictionary(fc.string(), fc.jsonValue()) }).map(JSON.stringify),
  fc.record({ seq: fc.jsonValue() }).map(JSON.stringify),
  fc.record({ userId: fc.jsonValue(), members: fc.jsonValue() }).map(JSON.stringify),
);

const query = fc
  .dictionary(
    fc.constantFrom("after", "limit", "x"),
    fc.oneof(fc.string(), fc.integer().map(String)),
  )
  .map((entries) => new URLSearchParams(entries).toString());

describe("http fuzz", () => {
  let t: TestApp;
  let devApp: Hono<AppEnv>;

  beforeAll(async () => {
    t = await createTestApp("pglite");
    devApp = createApp({
      store: t.store,
      notifier: t.hub,
      tokens: t.tokens,
      logger: silentLogger,
      devMode: true,
    });
    await t.call("POST", "/v1/conversations", {
      userId: "alice",
      body: { id: "f1", members: ["bob"] },
    });
    await t.call("POST", "/v1/push", {
      userId: "alice",
      body: { ops: [makeMessage("f1", "seed")] },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  async function request(
    app: Hono<AppEnv>,
    method: string,
    path: string,
    userId: string,
    text: string,
  ) {
    return app.request(path, {
      method,
      headers: {
        authorization: `Bearer ${await t.tokens.issue(userId)}`,
        "content-type": "application/json",
      },
      body: method === "GET" || method === "DELETE" ? null : text,
    });
  }

  async function push(text: string): Promise<PushResponse> {
    const response = await request(
      t.app,
      "POST",
      "/v1/push",
      "alice",
      JSON.stringify({
        ops: [makeMessage("f1", text)],
      }),
    );
    expect(response.status).toBe(200);
    return (await response.json()) as PushResponse;
  }

  test("random requests get 2xx or a clear 4xx", async () => {
    const requestArbitrary = fc.record({
      route: fc.constantFrom(...routes),
      id: pathSegment,
      user: pathSegment,
      caller: fc.constantFrom("alice", "bob", "mallory"),
      dev: fc.boolean(),
      body,
      query,
    });

    await fc.assert(
      fc.asyncProperty(requestArbitrary, async (input) => {
        const before = await dumpTables(t.store);
        const path = `${input.route.path(input.id, input.user)}?${input.query}`;
        const app = input.dev ? devApp : t.app;

        const response = await request(app, input.route.method, path, input.caller, input.body);

        expect(response.status).toBeLessThan(500);
        if (response.status >= 400) {
          const parsed = errorBodySchema.safeParse(await response.json());
          expect(parsed.success).toBe(true);
          expect(await dumpTables(t.store)).toEqual(before);
        }
      }),
      fuzzParameters(),
    );
  });

  test("bad op fields are named and not stored", async () => {
    const field = fc.constantFrom("clientId", "conversationId", "type", "body");
    const badOp = fc.record({ field, value: fc.jsonValue({ maxDepth: 2 }) });

    await fc.assert(
      fc.asyncProperty(badOp, async ({ field: name, value }) => {
        const op = makeOp({ conversationId: "f1", [name]: value });
        const before = await dumpTables(t.store);

        const response = await request(
          t.app,
          "POST",
          "/v1/push",
          "alice",
          JSON.stringify({ ops: [op] }),
        );

        const fieldPattern = new RegExp(`^ops\\.0\\.${name}`);
        if (response.status === 400) {
          // A push whose op lacks a usable clientId is rejected whole, since results are keyed by it.
          expect((await response.json()).error.field).toMatch(fieldPattern);
          expect(await dumpTables(t.store)).toEqual(before);
          return;
        }
        expect(response.status).toBe(200);
        const [result] = ((await response.json()) as PushResponse).results;
        if (result?.status === "error") {
          expect(result.code).toBe("invalid_request");
          expect(result.field).toMatch(fieldPattern);
          expect(await dumpTables(t.store)).toEqual(before);
        }
      }),
      fuzzParameters(),
    );
  });

  test("bad body fields are named", async () => {
    const cases = [
      { method: "POST", path: "/v1/conversations/f1/read", field: "seq" },
      { method: "POST", path: "/v1/conversations/f1/members", field: "userId" },
      { method: "POST", path: "/v1/conversations", field: "title" },
      { method: "POST", path: "/v1/conversations", field: "members" },
      { method: "POST", path: "/v1/pull", field: "cursors" },
      { method: "POST", path: "/v1/push", field: "ops" },
    ] as const;
    const input = fc.record({
      target: fc.constantFrom(...cases),
      value: fc.jsonValue({ maxDepth: 2 }),
    });

    await fc.assert(
      fc.asyncProperty(input, async ({ target, value }) => {
        const before = await dumpTables(t.store);
        const text = JSON.stringify({ [target.field]: value });

        const response = await request(t.app, target.method, target.path, "alice", text);

        expect(response.status).toBeLessThan(500);
        if (response.status === 400) {
          const { error } = await response.json();
          expect(error.code).toBe("invalid_request");
          expect(error.field).toMatch(new RegExp(`^${target.field}(\\.|$)`));
          expect(await dumpTables(t.store)).toEqual(before);
        }
      }),
      fuzzParameters(),
    );
  });

  test("storable text round-trips byte for byte", async () => {
    const text = storableTextArbitrary().filter(
      (value) => [...value].length <= limits.maxTextCodePoints,
    );

    await fc.assert(
      fc.asyncProperty(text, async (original) => {
        const [result] = (await push(original)).results;
        if (result?.status !== "ok") throw new Error(`push failed: ${JSON.stringify(result)}`);

        const response = await request(
          t.app,
          "GET",
          `/v1/conversations/f1/events?after=${result.seq - 1}&limit=1`,
          "bob",
          "",
        );
        const page = (await response.json()) as PullResponse;
        const stored = page.events[0]?.body.text as string;

        expect(Buffer.from(stored, "utf8").equals(Buffer.from(original, "utf8"))).toBe(true);
        expect(stored).toBe(original);
      }),
      fuzzParameters(),
    );
  });

  test("unstorable text is rejected naming the field", async () => {
    await fc.assert(
      fc.asyncProperty(unstorableTextArbitrary(), async (text) => {
        const before = await dumpTables(t.store);

        const [result] = (await push(text)).results;
        const created = await request(
          t.app,
          "POST",
          "/v1/conversations",
          "alice",
          JSON.stringify({ title: text }),
        );

        expect(result).toMatchObject({
          status: "error",
          code: "invalid_request",
          field: "ops.0.body.text",
        });
        expect(created.status).toBe(400);
        expect((await created.json()).error).toMatchObject({
          code: "invalid_request",
          field: "title",
        });
        expect(await dumpTables(t.store)).toEqual(before);
      }),
      fuzzParameters(),
    );
  });

  test("longest text passes, one more fails", async () => {
    const longest = "\u{1F600}".repeat(limits.maxTextCodePoints);
    const family = "\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}";
    const families = family.repeat(Math.floor(limits.maxTextCodePoints / 7));

    const results = [
      ...(await push(longest)).results,
      ...(await push(families)).results,
      ...(await push(`${longest}x`)).results,
    ];

    expect(results.map((result) => result.status)).toEqual(["ok", "ok", "error"]);
    expect(results[2]).toMatchObject({ code: "invalid_request", field: "ops.0.body.text" });
  });
});
