import { describe, expect, test } from "vitest";
import { TypingLimiter } from "./typing-limiter.ts";

describe("TypingLimiter", () => {
  test("one relay per second per user and conversation", () => {
    let nowMs = 0;
    const limiter = new TypingLimiter(1000, () => nowMs);

    const first = limiter.allow("alice", "c1");
    const again = limiter.allow("alice", "c1");
    const otherConversation = limiter.allow("alice", "c2");
    const otherUser = limiter.allow("bob", "c1");
    nowMs = 1000;
    const later = limiter.allow("alice", "c1");

    expect([first, again, otherConversation, otherUser, later]).toEqual([
      true,
      false,
      true,
      true,
      true,
    ]);
  });
});
