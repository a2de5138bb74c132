import { describe, expect, test } from "vitest";
import { isSameJson } from "./json-equal.ts";

describe("isSameJson", () => {
  test("key order does not matter", () => {
    expect(isSameJson({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
  });

  test("array order matters", () => {
    expect(isSameJson([1, 2], [2, 1])).toBe(false);
  });

  test("missing and extra keys differ", () => {
    expect(isSameJson({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(isSameJson({ a: 1, b: 2 }, { a: 1, c: 2 })).toBe(false);
  });

  test("types are not coerced", () => {
    expect(isSameJson({ a: 1 }, { a: "1" })).toBe(false);
    expect(isSameJson(null, {})).toBe(false);
    expect(isSameJson([], {})).toBe(false);
  });
});
