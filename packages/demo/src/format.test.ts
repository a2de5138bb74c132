import { ProtocolError } from "@syncline/protocol";
import { describe, expect, test } from "vitest";
import {
  describeError,
  describePresence,
  describeReceipt,
  describeTyping,
  formatTime,
} from "./format.ts";

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

describe("describeTyping", () => {
  test.each([
    [[], ""],
    [["bob"], "bob is typing…"],
    [["bob", "carol"], "bob and carol are typing…"],
    [["bob", "carol", "dave"], "3 people are typing…"],
  ])("%j reads %j", (userIds, expected) => {
    expect(describeTyping(userIds)).toBe(expected);
  });
});

describe("describePresence", () => {
  const now = new Date("2026-01-01T12:00:00");

  test("online and unknown", () => {
    expect(describePresence({ status: "online", lastSeenAt: null }, now)).toBe("online");
    expect(describePresence({ status: "unknown", lastSeenAt: null }, now)).toBe("");
  });

  test("offline shows last seen time", () => {
    const lastSeenAt = new Date("2026-01-01T11:30:00").toISOString();
    const clock = formatTime(lastSeenAt, now);

    expect(describePresence({ status: "offline", lastSeenAt }, now)).toBe(`last seen ${clock}`);
    expect(describePresence({ status: "offline", lastSeenAt: null }, now)).toBe("offline");
  });
});

describe("describeReceipt", () => {
  test.each([
    [{ state: "sent" }, 1, "Sent"],
    [{ state: "delivered", deliveredCount: 1 }, 1, "Delivered"],
    [{ state: "read", deliveredCount: 1, readCount: 1 }, 1, "Read"],
    [{ state: "sent", deliveredCount: 2 }, 3, "Delivered to 2 of 3"],
    [{ state: "delivered", deliveredCount: 3, readCount: 1 }, 3, "Read by 1 of 3"],
    [{ state: "delivered", deliveredCount: 3, readCount: 0 }, 3, "Delivered"],
    [{ state: "read", deliveredCount: 3, readCount: 3 }, 3, "Read by all 3"],
  ])("%j with %i others reads %j", (receipt, otherMembers, expected) => {
    expect(describeReceipt(receipt, otherMembers)).toBe(expected);
  });
});
