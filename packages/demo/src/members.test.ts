import { describe, expect, test } from "vitest";
import { splitMembers } from "./members.ts";

describe("splitMembers", () => {
  test("splits on commas and trims", () => {
    expect(splitMembers(" bob, carol ,dave ")).toEqual(["bob", "carol", "dave"]);
  });

  test("keeps spaces inside a name", () => {
    expect(splitMembers("Zoë Smith, bob")).toEqual(["Zoë Smith", "bob"]);
  });

  test("drops empty entries and repeats", () => {
    expect(splitMembers(",bob,, bob ,")).toEqual(["bob"]);
  });

  test("empty text gives no members", () => {
    expect(splitMembers("")).toEqual([]);
  });
});
