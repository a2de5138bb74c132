import { ProtocolError } from "@syncline/protocol";
import { describe, expect, test } from "vitest";
import { describeError, formatTime } from "./format.ts";

describe("describeError", () => {
  test("protocol error leads with its code", () => {
    const error = new ProtocolError("conflict", "Conversation c1 already exists.");

    expect(describeError(error)).toBe("conflict: Conversation c1 already exists.");
  });

  test("coded SDK error leads with its code", () => {
    const error = Object.assign(new Error("No network."), { code: "offline" });

    expect(describeError(error)).toBe("offline: No network.");
  });

  test("plain error gives its message", () => {
    expect(describeError(new Error("boom"))).toBe("boom");
  });

  test("non-error value is stringified", () => {
    expect(describeError(42)).toBe("42");
  });
});

describe("formatTime", () => {
  const now = new Date(2026, 4, 4, 15, 0);
  const clockOf = (iso: string) =>
    new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

  test("invalid time is returned as is", () => {
    expect(formatTime("not a time")).toBe("not a time");
  });

  test("time of today is the clock only", () => {
    const today = new Date(2026, 4, 4, 9, 30).toISOString();

    expect(formatTime(today, now)).toBe(clockOf(today));
  });

  test("time of another day adds the date", () => {
    const earlier = new Date(2026, 4, 1, 9, 30).toISOString();
    const formatted = formatTime(earlier, now);

    expect(formatted).not.toBe(clockOf(earlier));
    expect(formatted.endsWith(clockOf(earlier))).toBe(true);
  });
});
