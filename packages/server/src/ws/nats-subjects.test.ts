import { describe, expect, test } from "vitest";
import { isValidSubjectPrefix, natsSubjects, subjectToken } from "./nats-subjects.ts";

/** A subject token as NATS reads it: no separator, wildcard or whitespace. */
const plainToken = /^[^.*>\s]+$/;

describe("natsSubjects", () => {
  const subjects = natsSubjects("acme.prod");

  test("every subject is under the prefix", () => {
    expect(subjects.conversation("c1")).toBe(`acme.prod.conversation.${subjectToken("c1")}`);
    expect(subjects.user("u1")).toBe(`acme.prod.user.${subjectToken("u1")}`);
    expect(subjects.presence).toBe("acme.prod.presence");
  });

  test("special characters stay in one token", () => {
    const ids = ["a.b", "a*", "a.>", "a b", ">", "*", "ünï.cödé", "a\u3000b"];
    for (const id of ids) {
      const userTokens = subjects.user(id).split(".");
      expect(userTokens, id).toHaveLength(4);
      expect(userTokens[3], id).toMatch(plainToken);
      expect(Buffer.from(userTokens[3] ?? "", "base64url").toString("utf8"), id).toBe(id);
      const conversationTokens = subjects.conversation(id).split(".");
      expect(conversationTokens, id).toHaveLength(4);
      expect(conversationTokens[3], id).toMatch(plainToken);
    }
  });

  test("distinct ids get distinct subjects", () => {
    expect(subjects.user("a.b")).not.toBe(subjects.user("a"));
    expect(subjects.user("a.b")).not.toBe(subjects.user("a_b"));
    expect(subjects.conversation("x")).not.toBe(subjects.user("x"));
  });
});

describe("isValidSubjectPrefix", () => {
  test("accepts dot-separated tokens", () => {
    for (const prefix of ["syncline", "acme.prod-eu", "a_1.b$.c", "x".repeat(128)]) {
      expect(isValidSubjectPrefix(prefix), prefix).toBe(true);
    }
  });

  test("rejects wildcards, spaces and empty tokens", () => {
    const cases = ["", "a b", "a\tb", "a.*", "a.>", "*", ">", "a..b", ".a", "a.", "$SYS", "a.$JS"];
    for (const prefix of [...cases, "é", "x".repeat(129)]) {
      expect(isValidSubjectPrefix(prefix), prefix).toBe(false);
    }
  });
});
