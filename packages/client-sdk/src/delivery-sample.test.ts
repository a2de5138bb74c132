import type { Event } from "@syncline/protocol";
import { describe, expect, test } from "vitest";
import { pickDeliverySample } from "./delivery-sample.ts";

function event(seq: number, senderId: string): Event {
  return {
    conversationId: "c1",
    seq,
    clientId: `m${seq}`,
    senderId,
    type: "message",
    body: { text: "x" },
    createdAt: `2026-01-01T00:00:0${seq}.000Z`,
  };
}

describe("pickDeliverySample", () => {
  test("newest event at or below cursor", () => {
    const events = [event(1, "alice"), event(2, "alice"), event(4, "alice")];

    const sample = pickDeliverySample(events, 2, "bob", "notify", 500);

    expect(sample).toEqual({
      createdAt: "2026-01-01T00:00:02.000Z",
      via: "notify",
      storedAtMs: 500,
    });
  });

  test("own events are skipped", () => {
    const events = [event(1, "alice"), event(2, "bob")];

    expect(pickDeliverySample(events, 2, "bob", "pull", 0)?.createdAt).toBe(
      "2026-01-01T00:00:01.000Z",
    );
    expect(pickDeliverySample([event(1, "bob")], 1, "bob", "pull", 0)).toBeUndefined();
  });
});
