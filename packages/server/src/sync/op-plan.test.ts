import type { Event, Op } from "@syncline/protocol";
import { describe, expect, test } from "vitest";
import { type IndexedOp, planOps } from "./op-plan.ts";

const createdAt = "2026-01-01T00:00:00.000Z";

function message(clientId: string, text: string): Op {
  return { clientId, conversationId: "c1", type: "message", body: { text } };
}

function indexed(...ops: Op[]): IndexedOp[] {
  return ops.map((op, index) => ({ index, op }));
}

function committed(seq: number, senderId: string, op: Op): Event {
  return { ...op, seq, senderId, createdAt: "2025-01-01T00:00:00.000Z" };
}

const empty = { committedByClientId: new Map(), messageSenderBySeq: new Map() };

describe("planOps", () => {
  test("new ops get seqs after the head", () => {
    const decisions = planOps(indexed(message("a-000001", "x"), message("b-000001", "y")), {
      senderId: "alice",
      lastSeq: 7,
      createdAt,
      ...empty,
    });

    expect(decisions.map((d) => d.kind === "new" && d.draft.seq)).toEqual([8, 9]);
  });

  test("committed repeat keeps the original seq and time", () => {
    const op = message("a-000001", "x");
    const original = committed(3, "alice", op);

    const [decision] = planOps(indexed(op), {
      senderId: "alice",
      lastSeq: 5,
      createdAt,
      committedByClientId: new Map([[op.clientId, original]]),
      messageSenderBySeq: new Map(),
    });

    expect(decision).toEqual({ kind: "duplicate", index: 0, original });
  });

  test("repeat by another sender is a conflict", () => {
    const op = message("a-000001", "x");

    const [decision] = planOps(indexed(op), {
      senderId: "bob",
      lastSeq: 5,
      createdAt,
      committedByClientId: new Map([[op.clientId, committed(3, "alice", op)]]),
      messageSenderBySeq: new Map(),
    });

    expect(decision).toMatchObject({ kind: "error", result: { code: "conflict" } });
    expect(JSON.stringify(decision)).not.toContain('"seq"');
  });

  test("a failed op does not claim its client id", () => {
    const bad: Op = {
      clientId: "a-000001",
      conversationId: "c1",
      type: "message.delete",
      body: { targetSeq: 9 },
    };

    const decisions = planOps(indexed(bad, message("a-000001", "x")), {
      senderId: "alice",
      lastSeq: 0,
      createdAt,
      ...empty,
    });

    expect(decisions.map((d) => d.kind)).toEqual(["error", "new"]);
  });

  test("reaction to own new message is allowed", () => {
    const reaction: Op = {
      clientId: "r-000001",
      conversationId: "c1",
      type: "reaction.add",
      body: { targetSeq: 1, emoji: "x" },
    };

    const decisions = planOps(indexed(message("m-000001", "x"), reaction), {
      senderId: "alice",
      lastSeq: 0,
      createdAt,
      ...empty,
    });

    expect(decisions.map((d) => d.kind === "new" && d.draft.seq)).toEqual([1, 2]);
  });
});
