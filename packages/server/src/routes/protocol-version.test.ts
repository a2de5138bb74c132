import { protocolVersionHeader, protocolVersionsHeader } from "@syncline/protocol";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestApp, isStoreUnavailable, storeKinds, type TestApp } from "../testing/harness.ts";

describe.each(storeKinds)("protocol versions on %s", (kind) => {
  describe.skipIf(isStoreUnavailable(kind))("", () => {
    let t: TestApp;
    let token: string;

    beforeAll(async () => {
      t = await createTestApp(kind);
      token = await t.tokens.issue("alice");
    });
    afterAll(async () => {
      await t.close();
    });

    function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
      return Promise.resolve(
        t.app.request(path, { headers: { authorization: `Bearer ${token}`, ...headers } }),
      );
    }

    test("every response lists the versions", async () => {
      const responses = [
        await get("/v1/conversations"),
        await get("/v1/conversations", { [protocolVersionHeader]: "1" }),
        await get("/healthz"),
        await get("/v1/nope"),
        await get("/v1/conversations", { authorization: "Bearer bad" }),
        await get("/v1/conversations/x/events?after=-1"),
      ];

      expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 404, 401, 400]);
      for (const response of responses) {
        expect(response.headers.get(protocolVersionsHeader)).toBe("1");
      }
    });

    test("unsupported version is 426", async () => {
      const response = await get("/v1/conversations", { [protocolVersionHeader]: "2" });
      const body = await response.json();

      expect(response.status).toBe(426);
      expect(response.headers.get(protocolVersionsHeader)).toBe("1");
      expect(body.error.code).toBe("unsupported_version");
      expect(body.error.message).toContain("version 2");
      expect(body.error.message).toContain("speaks 1");
      expect(body.error.details).toEqual({ supported: [1], requested: 2 });
    });

    test("malformed version is 426 too", async () => {
      const response = await get("/v1/conversations", { [protocolVersionHeader]: "v1" });
      const body = await response.json();

      expect(response.status).toBe(426);
      expect(body.error.details).toEqual({ supported: [1], requested: "v1" });
    });
  });
});
