import { describe, expect, test } from "vitest";
import { formatPlace, isSamePlace, parsePlace } from "./place.ts";

describe("place", () => {
  test("hash round-trips user and conversation", () => {
    const place = { userId: "alice", conversationId: "team:general" };

    const parsed = parsePlace(formatPlace(place));

    expect(parsed).toEqual(place);
  });

  test("user names with spaces and emoji round-trip", () => {
    const place = { userId: "Zoë & 🐙 team", conversationId: null };

    const parsed = parsePlace(formatPlace(place));

    expect(parsed).toEqual(place);
  });

  test("empty hash has no user", () => {
    expect(parsePlace("")).toEqual({ userId: null, conversationId: null });
    expect(parsePlace("#")).toEqual({ userId: null, conversationId: null });
  });

  test("empty values count as missing", () => {
    expect(parsePlace("#user=&conversation=")).toEqual({ userId: null, conversationId: null });
  });

  test("invalid ids count as missing", () => {
    const hash = `#user=${encodeURIComponent("a\u0001b")}&conversation=${encodeURIComponent("no spaces")}`;

    expect(parsePlace(hash)).toEqual({ userId: null, conversationId: null });
  });

  test("no user formats as empty hash", () => {
    expect(formatPlace({ userId: null, conversationId: "c1" })).toBe("");
  });

  test("same place compares both fields", () => {
    const a = { userId: "alice", conversationId: "c1" };

    expect(isSamePlace(a, { userId: "alice", conversationId: "c1" })).toBe(true);
    expect(isSamePlace(a, { userId: "alice", conversationId: null })).toBe(false);
    expect(isSamePlace(a, { userId: "bob", conversationId: "c1" })).toBe(false);
  });
});
