import type { Message } from "@syncline/client-sdk";
import { describe, expect, test } from "vitest";
import { latestConfirmedSeq } from "./read-marker.ts";

function message(seq: number | null): Message {
  return {
    clientId: `k${seq}`,
    conversationId: "c1",
    senderId: "bob",
    text: "hi",
    seq,
    createdAt: "2026-01-01T00:00:00.000Z",
    state: seq === null ? "pending" : "sent",
    editedAt: null,
    deleted: false,
    reactions: [],
    pendingOps: [],
  };
}

describe("latestConfirmedSeq", () => {
  test("empty list gives 0", () => {
    expect(latestConfirmedSeq([])).toBe(0);
  });

  test("pending messages are skipped", () => {
    expect(latestConfirmedSeq([message(3), message(7), message(null)])).toBe(7);
  });

  test("only pending gives 0", () => {
    expect(latestConfirmedSeq([message(null)])).toBe(0);
  });
});
