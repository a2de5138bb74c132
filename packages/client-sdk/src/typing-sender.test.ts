import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createTypingSender, typingThrottleMs } from "./typing-sender.ts";

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

/** Creates a sender whose frames are recorded with the fake clock's time. */
function record() {
  const sentAtMs: number[] = [];
  const sender = createTypingSender(() => {
    sentAtMs.push(Date.now());
    return true;
  });
  return { sender, sentAtMs, startMs: Date.now() };
}

describe("typing sender", () => {
  test("first keystroke sends at once", () => {
    const { sender, sentAtMs, startMs } = record();

    sender.start("c1");

    expect(sentAtMs).toEqual([startMs]);
  });

  test("keystrokes in the window send one trailing frame (I24)", () => {
    const { sender, sentAtMs, startMs } = record();
    sender.start("c1");

    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(300);
      sender.start("c1");
    }
    vi.advanceTimersByTime(typingThrottleMs);

    expect(sentAtMs).toEqual([startMs, startMs + typingThrottleMs]);
  });

  test("steady typing sends once per window", () => {
    const { sender, sentAtMs, startMs } = record();

    for (let elapsedMs = 0; elapsedMs < 6_000; elapsedMs += 250) {
      sender.start("c1");
      vi.advanceTimersByTime(250);
    }
    vi.advanceTimersByTime(10_000);

    const expected = [0, 1, 2, 3].map((window) => startMs + window * typingThrottleMs);
    expect(sentAtMs).toEqual(expected);
  });

  test("stop cancels the trailing frame", () => {
    const { sender, sentAtMs, startMs } = record();
    sender.start("c1");
    vi.advanceTimersByTime(500);
    sender.start("c1");

    sender.stop("c1");
    vi.advanceTimersByTime(10_000);

    expect(sentAtMs).toEqual([startMs]);
  });

  test("typing after stop waits for the window", () => {
    const { sender, sentAtMs, startMs } = record();
    sender.start("c1");
    sender.stop("c1");

    vi.advanceTimersByTime(500);
    sender.start("c1");
    vi.advanceTimersByTime(10_000);

    expect(sentAtMs).toEqual([startMs, startMs + typingThrottleMs]);
  });

  test("conversations are throttled apart", () => {
    const sent: string[] = [];
    const sender = createTypingSender((conversationId) => {
      sent.push(conversationId);
      return true;
    });

    sender.start("c1");
    sender.start("c2");

    expect(sent).toEqual(["c1", "c2"]);
  });

  test("frame the socket rejects is sent later", () => {
    let open = false;
    const sentAtMs: number[] = [];
    const sender = createTypingSender(() => {
      if (open) sentAtMs.push(Date.now());
      return open;
    });
    sender.start("c1");
    open = true;

    sender.start("c1");

    expect(sentAtMs).toEqual([Date.now()]);
  });

  test("close cancels pending frames", () => {
    const { sender, sentAtMs, startMs } = record();
    sender.start("c1");
    sender.start("c1");

    sender.close();
    vi.advanceTimersByTime(10_000);

    expect(sentAtMs).toEqual([startMs]);
  });
});
