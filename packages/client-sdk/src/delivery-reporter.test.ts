import type { DeliverySample } from "@syncline/protocol";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createDeliveryReporter } from "./delivery-reporter.ts";

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

function makeReporter(online = { value: true }) {
  const sent: Array<[string, number]> = [];
  const reporter = createDeliveryReporter({
    send(conversationId, seq) {
      if (!online.value) return false;
      sent.push([conversationId, seq]);
      return true;
    },
  });
  return { reporter, sent };
}

describe("delivery reporter", () => {
  test("coalesces to one report per second (I17)", () => {
    const { reporter, sent } = makeReporter();

    reporter.note("c1", 1);
    reporter.note("c1", 2);
    reporter.note("c1", 3);
    reporter.note("c2", 7);

    expect(sent).toEqual([
      ["c1", 1],
      ["c2", 7],
    ]);
    vi.advanceTimersByTime(999);
    expect(sent).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sent.at(-1)).toEqual(["c1", 3]);
  });

  test("never reports a lower seq (I12)", () => {
    const { reporter, sent } = makeReporter();

    reporter.note("c1", 5);
    vi.advanceTimersByTime(2_000);
    reporter.note("c1", 4);
    vi.advanceTimersByTime(2_000);

    expect(sent).toEqual([["c1", 5]]);
  });

  test("offline reports wait for flush", () => {
    const online = { value: false };
    const { reporter, sent } = makeReporter(online);

    reporter.note("c1", 2);
    online.value = true;
    reporter.flush();

    expect(sent).toEqual([["c1", 2]]);
  });
});

describe("delivery reporter samples", () => {
  const createdAt = "2026-01-01T00:00:00.000Z";

  function makeSampleReporter() {
    const sent: Array<[number, DeliverySample | undefined]> = [];
    const reporter = createDeliveryReporter({
      send(_conversationId, seq, sample) {
        sent.push([seq, sample]);
        return true;
      },
    });
    return { reporter, sent };
  }

  test("report carries held time", () => {
    const { reporter, sent } = makeSampleReporter();

    reporter.note("c1", 1);
    reporter.note("c1", 2, { createdAt, via: "notify", storedAtMs: Date.now() });
    vi.advanceTimersByTime(1_000);

    expect(sent).toEqual([
      [1, undefined],
      [2, { createdAt, heldMs: 1_000, via: "notify" }],
    ]);
  });

  test("sample is sent once", () => {
    const { reporter, sent } = makeSampleReporter();

    reporter.note("c1", 1, { createdAt, via: "pull", storedAtMs: Date.now() });
    vi.advanceTimersByTime(1_000);
    reporter.note("c1", 2);

    expect(sent).toEqual([
      [1, { createdAt, heldMs: 0, via: "pull" }],
      [2, undefined],
    ]);
  });

  test("sample held over an hour is dropped", () => {
    const online = { value: false };
    const sent: Array<DeliverySample | undefined> = [];
    const reporter = createDeliveryReporter({
      send(_conversationId, _seq, sample) {
        if (!online.value) return false;
        sent.push(sample);
        return true;
      },
    });

    reporter.note("c1", 1, { createdAt, via: "notify", storedAtMs: Date.now() });
    vi.advanceTimersByTime(3_600_001);
    online.value = true;
    reporter.flush();

    expect(sent).toEqual([undefined]);
  });
});
