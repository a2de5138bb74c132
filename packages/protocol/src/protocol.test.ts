import { describe, expect, test } from "vitest";
import { conversationIdSchema, userIdSchema } from "./ids.ts";
import { countCodePoints, limits } from "./limits.ts";
import { opSchema } from "./ops.ts";
import { pullQuerySchema } from "./pull.ts";
import { pushRequestSchema } from "./push.ts";
import { clientFrameSchema } from "./ws.ts";

const family = "\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}";

function message(text: string) {
  return { clientId: "client-0001", conversationId: "c1", type: "message", body: { text } };
}

describe("text limits", () => {
  test("family emoji counts seven code points", () => {
    expect(countCodePoints(family)).toBe(7);
  });

  test("maximum emoji message is accepted", () => {
    const text = "\u{1F600}".repeat(limits.maxTextCodePoints);

    expect(opSchema.safeParse(message(text)).success).toBe(true);
  });

  test("one code point over the limit is rejected", () => {
    const text = "a".repeat(limits.maxTextCodePoints + 1);
    const result = opSchema.safeParse(message(text));

    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["body", "text"]);
  });

  test("lone surrogate is rejected", () => {
    expect(opSchema.safeParse(message("a\uD800b")).success).toBe(false);
  });

  test("NUL character is rejected", () => {
    expect(opSchema.safeParse(message("a\u0000b")).success).toBe(false);
  });

  test("right-to-left and combining marks are accepted", () => {
    expect(opSchema.safeParse(message("\u202Eabc e\u0301 \u05D0")).success).toBe(true);
  });
});

describe("ids", () => {
  test("__proto__ conversation id is rejected", () => {
    expect(conversationIdSchema.safeParse("__proto__").success).toBe(false);
  });

  test("constructor conversation id is accepted", () => {
    expect(conversationIdSchema.safeParse("constructor").success).toBe(true);
  });

  test("user id with a right-to-left override is rejected", () => {
    const result = userIdSchema.safeParse("\u202Eeve");

    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/bidirectional/);
  });

  test("user id with a lone surrogate names the surrogate", () => {
    const result = userIdSchema.safeParse("a\uD800b");

    expect(result.error?.issues[0]?.message).toMatch(/surrogate/);
  });
});

describe("push request", () => {
  test("more than the maximum ops is rejected", () => {
    const ops = Array.from({ length: limits.maxOpsPerPush + 1 }, () => message("hi"));

    expect(pushRequestSchema.safeParse({ ops }).success).toBe(false);
  });

  test("op with an unknown type passes the envelope", () => {
    const ops = [{ clientId: "client-0001", type: "nope" }];

    expect(pushRequestSchema.safeParse({ ops }).success).toBe(true);
  });

  test("short client id fails the envelope", () => {
    expect(pushRequestSchema.safeParse({ ops: [{ clientId: "short" }] }).success).toBe(false);
  });
});

describe("pull query", () => {
  test("defaults apply", () => {
    expect(pullQuerySchema.parse({})).toEqual({ after: 0, limit: limits.defaultPullLimit });
  });

  test("limit above the maximum is capped", () => {
    expect(pullQuerySchema.parse({ limit: "5000" }).limit).toBe(limits.maxPullLimit);
  });

  test("negative cursor is rejected", () => {
    expect(pullQuerySchema.safeParse({ after: "-1" }).success).toBe(false);
  });
});

describe("delivered frame", () => {
  const createdAt = "2026-01-01T00:00:00.000Z";

  test("frame without sample is accepted", () => {
    const frame = { type: "delivered", conversationId: "c1", seq: 3 };

    expect(clientFrameSchema.parse(frame)).toEqual(frame);
  });

  test("frame with sample is accepted", () => {
    const frame = {
      type: "delivered",
      conversationId: "c1",
      seq: 3,
      sample: { createdAt, heldMs: 12, via: "notify" },
    };

    expect(clientFrameSchema.parse(frame)).toEqual(frame);
  });

  test("sample with negative held time is rejected", () => {
    const sample = { createdAt, heldMs: -1, via: "pull" };
    const frame = { type: "delivered", conversationId: "c1", seq: 3, sample };

    expect(clientFrameSchema.safeParse(frame).success).toBe(false);
  });

  test("sample with unknown via is rejected", () => {
    const sample = { createdAt, heldMs: 0, via: "push" };
    const frame = { type: "delivered", conversationId: "c1", seq: 3, sample };

    expect(clientFrameSchema.safeParse(frame).success).toBe(false);
  });
});
