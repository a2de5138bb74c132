import { limits, type PushResponse } from "@syncline/protocol";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { makeMessage } from "../testing/builders.ts";
import {
  isStoreUnavailable,
  startTestServer,
  storeKinds,
  type TestServer,
} from "../testing/harness.ts";
import { parsePrometheusText, type Sample, sampleValue } from "../testing/prometheus-text.ts";
import { openReadySocket } from "../testing/socket-client.ts";

describe.each(storeKinds)("metrics on %s", (kind) => {
  describe.skipIf(isStoreUnavailable(kind))("", () => {
    let t: TestServer;

    beforeAll(async () => {
      t = await startTestServer(kind);
    });
    afterAll(async () => {
      await t.close();
    });

    async function scrape(): Promise<Sample[]> {
      const response = await fetch(`${t.url}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("text/plain");
      return parsePrometheusText(await response.text());
    }

    test("scrape after a push, pull and socket session", async () => {
      await t.call("POST", "/v1/conversations", {
        userId: "alice",
        body: { id: "m1", members: ["bob"] },
      });
      const bob = await openReadySocket(t.url, await t.tokens.issue("bob"));
      const op = makeMessage("m1", "hello");
      const pushed = await t.call("POST", "/v1/push", { userId: "alice", body: { ops: [op] } });
      expect(((await pushed.json()) as PushResponse).results[0]?.status).toBe("ok");
      await t.call("POST", "/v1/push", { userId: "alice", body: { ops: [op] } });
      await t.call("POST", "/v1/push", {
        userId: "alice",
        body: { ops: [makeMessage("missing", "x")] },
      });
      await t.call("POST", "/v1/push", { userId: "alice", body: { nope: true } });
      await t.call("GET", "/v1/conversations/m1/events?after=0", { userId: "bob" });
      await t.call("POST", "/v1/pull", { userId: "bob", body: { cursors: { m1: 0 } } });
      await bob.waitFor("notify");

      const samples = await vi.waitFor(async () => {
        const current = await scrape();
        expect(sampleValue(current, "syncline_deliveries_total", { result: "on_time" })).toBe(1);
        return current;
      });
      bob.close();

      expect(sampleValue(samples, "syncline_pushes_total", { code: "ok" })).toBe(3);
      expect(sampleValue(samples, "syncline_pushes_total", { code: "invalid_request" })).toBe(1);
      expect(sampleValue(samples, "syncline_push_ops_total", { code: "ok" })).toBe(1);
      expect(sampleValue(samples, "syncline_push_ops_total", { code: "duplicate" })).toBe(1);
      expect(sampleValue(samples, "syncline_push_ops_total", { code: "not_found" })).toBe(1);
      expect(sampleValue(samples, "syncline_push_duration_seconds_count", { code: "ok" })).toBe(3);
      const pushSeconds = sampleValue(samples, "syncline_push_duration_seconds_sum", {
        code: "ok",
      });
      expect(pushSeconds).toBeGreaterThan(0);
      expect(pushSeconds).toBeLessThan(60);
      expect(sampleValue(samples, "syncline_pulls_total", { kind: "page", code: "ok" })).toBe(1);
      expect(sampleValue(samples, "syncline_pulls_total", { kind: "batch", code: "ok" })).toBe(1);
      expect(sampleValue(samples, "syncline_delivery_duration_seconds_count")).toBe(1);
      expect(sampleValue(samples, "syncline_websocket_connections")).toBe(1);
      expect(sampleValue(samples, "syncline_websocket_reconnects_total")).toBe(0);
      expect(sampleValue(samples, "syncline_fanout_pending_frames")).toBe(0);
      expect(sampleValue(samples, "syncline_fanout_oldest_pending_seconds")).toBe(0);
      expect(sampleValue(samples, "syncline_store_errors_total")).toBeUndefined();
      expect(sampleValue(samples, "process_resident_memory_bytes")).toBeGreaterThan(0);
    });

    test("quick second socket counts as a reconnect", async () => {
      const token = await t.tokens.issue("carol");
      const first = await openReadySocket(t.url, token);
      first.close();
      await first.waitForClose();

      const second = await openReadySocket(t.url, token);
      const samples = await scrape();
      second.close();

      expect(sampleValue(samples, "syncline_websocket_reconnects_total")).toBe(1);
    });

    // Last, because the server closes a connection whose body it did not read, and the
    // client's next request on that pooled connection would fail.
    test("oversized push is counted", async () => {
      const text = "x".repeat(limits.maxRequestBytes);

      const response = await t.call("POST", "/v1/push", {
        userId: "alice",
        body: { ops: [makeMessage("m1", text)] },
      });
      const samples = await scrape();

      expect(response.status).toBe(413);
      expect(sampleValue(samples, "syncline_pushes_total", { code: "payload_too_large" })).toBe(1);
    });
  });
});
