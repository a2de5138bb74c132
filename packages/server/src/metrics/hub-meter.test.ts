import { describe, expect, test } from "vitest";
import { parsePrometheusText, sampleValue } from "../testing/prometheus-text.ts";
import { HubMeter } from "./hub-meter.ts";
import { createServerMetrics, scrapeMetrics } from "./server-metrics.ts";

function setup() {
  const metrics = createServerMetrics();
  const clock = { nowMs: 1_000_000 };
  const meter = new HubMeter(metrics, 1000, () => clock.nowMs);
  const value = async (name: string, labels: Record<string, string> = {}) =>
    sampleValue(parsePrometheusText(await scrapeMetrics(metrics)), name, labels);
  return { meter, clock, value };
}

describe("HubMeter", () => {
  test("reconnect within a minute counts", async () => {
    const { meter, clock, value } = setup();

    meter.socketAdded("alice");
    meter.socketRemoved("alice");
    clock.nowMs += 59_000;
    meter.socketAdded("alice");

    expect(await value("syncline_websocket_reconnects_total")).toBe(1);
    expect(await value("syncline_websocket_connections")).toBe(1);
  });

  test("return after a minute is no reconnect", async () => {
    const { meter, clock, value } = setup();

    meter.socketAdded("alice");
    meter.socketRemoved("alice");
    clock.nowMs += 61_000;
    meter.socketAdded("alice");

    expect(await value("syncline_websocket_reconnects_total")).toBe(0);
  });

  test("second device while online counts", async () => {
    const { meter, value } = setup();

    meter.socketAdded("alice");
    meter.socketAdded("alice");

    expect(await value("syncline_websocket_reconnects_total")).toBe(1);
    expect(await value("syncline_websocket_connections")).toBe(2);
  });

  test("pending frames age until written", async () => {
    const { meter, clock, value } = setup();

    const first = meter.frameQueued();
    clock.nowMs += 500;
    const second = meter.frameQueued(clock.nowMs);
    clock.nowMs += 250;

    expect(await value("syncline_fanout_pending_frames")).toBe(2);
    expect(await value("syncline_fanout_oldest_pending_seconds")).toBe(0.75);
    first();
    expect(await value("syncline_fanout_oldest_pending_seconds")).toBe(0.25);
    second();
    expect(await value("syncline_fanout_pending_frames")).toBe(0);
  });

  test("delivery is judged against the SLO", async () => {
    const { meter, clock, value } = setup();
    const publishedAtMs = clock.nowMs;

    const onTime = meter.frameQueued(publishedAtMs);
    const late = meter.frameQueued(publishedAtMs);
    const failed = meter.frameQueued(publishedAtMs);
    clock.nowMs += 1000;
    onTime();
    clock.nowMs += 1;
    late();
    failed(new Error("closed"));
    failed();

    expect(await value("syncline_deliveries_total", { result: "on_time" })).toBe(1);
    expect(await value("syncline_deliveries_total", { result: "late" })).toBe(1);
    expect(await value("syncline_deliveries_total", { result: "failed" })).toBe(1);
    expect(await value("syncline_delivery_duration_seconds_count")).toBe(2);
  });
});
