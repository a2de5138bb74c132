import pino from "pino";
import { describe, expect, test } from "vitest";
import { createMemoryDestination } from "../testing/memory-destination.ts";
import { createRepeatFilter } from "./repeat-filter.ts";

function setup() {
  const clock = { nowMs: 0 };
  const destination = createMemoryDestination();
  const filter = createRepeatFilter({ windowMs: 10_000, minLevel: 40, now: () => clock.nowMs });
  const logger = pino({ level: "info", hooks: { logMethod: filter } }, destination);
  return { clock, destination, logger };
}

describe("repeat filter", () => {
  test("repeats within the window are dropped", () => {
    const { destination, logger } = setup();

    for (let i = 0; i < 5; i++) logger.warn({ err: new Error("down") }, "store unavailable");

    expect(destination.lines).toHaveLength(1);
  });

  test("next line after the window counts repeats", () => {
    const { clock, destination, logger } = setup();

    for (let i = 0; i < 5; i++) logger.warn({ conversationId: "c1" }, "store unavailable");
    clock.nowMs = 10_000;
    logger.warn({ conversationId: "c1" }, "store unavailable");

    const entries = destination.entries();
    expect(entries).toHaveLength(2);
    expect(entries[0]?.repeats).toBeUndefined();
    expect(entries[1]?.repeats).toBe(4);
    expect(entries[1]?.conversationId).toBe("c1");
  });

  test("kinds are counted apart", () => {
    const { destination, logger } = setup();

    logger.warn("store unavailable");
    logger.error("store unavailable");
    logger.error({ err: Object.assign(new Error("x"), { code: "ECONNRESET" }) }, "request failed");
    logger.error({ err: Object.assign(new Error("x"), { code: "EPIPE" }) }, "request failed");

    expect(destination.lines).toHaveLength(4);
  });

  test("info lines are never dropped", () => {
    const { destination, logger } = setup();

    for (let i = 0; i < 3; i++) logger.info("request handled");

    expect(destination.lines).toHaveLength(3);
  });

  test("child loggers share the filter", () => {
    const { destination, logger } = setup();

    logger.child({ requestId: "a" }).warn("store unavailable");
    logger.child({ requestId: "b" }).warn("store unavailable");

    expect(destination.entries().map((entry) => entry.requestId)).toEqual(["a"]);
  });
});
