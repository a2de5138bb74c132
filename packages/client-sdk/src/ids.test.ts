import { clientIdSchema } from "@syncline/protocol";
import { describe, expect, test } from "vitest";
import { createClientIdGenerator } from "./ids.ts";

const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("createClientIdGenerator", () => {
  test("ids are UUIDv7 and valid client ids", () => {
    const next = createClientIdGenerator();

    const id = next();

    expect(id).toMatch(uuidV7);
    expect(clientIdSchema.safeParse(id).success).toBe(true);
  });

  test("1000 ids in one millisecond are distinct and sorted", () => {
    const next = createClientIdGenerator({ now: () => 1_700_000_000_000 });

    const ids = Array.from({ length: 1000 }, () => next());

    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort()).toEqual(ids);
  });

  test("ids stay sorted when the clock steps back", () => {
    const times = [5_000, 5_000, 1_000, 1_000, 6_000];
    const next = createClientIdGenerator({ now: () => times.shift() ?? 6_000 });

    const ids = Array.from({ length: 5 }, () => next());

    expect([...ids].sort()).toEqual(ids);
  });

  test("time prefix is the millisecond clock", () => {
    const next = createClientIdGenerator({ now: () => 0x0123_4567_89ab });

    expect(next().replace(/-/g, "").slice(0, 12)).toBe("0123456789ab");
  });

  test("works without crypto.randomUUID", () => {
    const crypto = globalThis.crypto as { randomUUID?: unknown };
    const saved = crypto.randomUUID;
    Object.defineProperty(crypto, "randomUUID", { value: undefined, configurable: true });
    try {
      expect(createClientIdGenerator()()).toMatch(uuidV7);
    } finally {
      Object.defineProperty(crypto, "randomUUID", { value: saved, configurable: true });
    }
  });

  test("random bits come from getRandomValues", () => {
    let calls = 0;
    const next = createClientIdGenerator({
      randomBytes: (bytes) => {
        calls += 1;
        bytes.fill(0xff);
      },
      now: () => 0,
    });

    const id = next();

    expect(calls).toBe(1);
    expect(id.endsWith("ffffffffffff")).toBe(true);
  });
});
