import { describe, expect, test } from "vitest";
import type { ConversationRow } from "./db.ts";
import { buildMessageView } from "./message-view.ts";
import { makeEvent, makeOutboxRow } from "./testing/builders.ts";

function conversation(overrides: Partial<ConversationRow> = {}): ConversationRow {
  return {
    id: "c1",
    title: null,
    createdAt: "2030-01-01T00:00:00.000Z",
    members: ["me", "bob", "carol"],
    latestSeq: 0,
    epoch: "epoch-1",
    readSeq: 0,
    ...overrides,
  };
}

describe("pending ops", () => {
  test("pending edit shows at once with the device time", () => {
    const events = [makeEvent({ seq: 1, senderId: "me" })];
    const row = makeOutboxRow({
      clientId: "edit-0001",
      type: "message.edit",
      body: { targetSeq: 1, text: "fixed" },
      createdAt: "2030-01-02T00:00:00.000Z",
    });

    const [message] = buildMessageView({
      userId: "me",
      events,
      outbox: [row],
      conversation: undefined,
    });

    expect(message).toMatchObject({ text: "fixed", editedAt: "2030-01-02T00:00:00.000Z" });
    expect(message?.pendingOps).toEqual([
      { clientId: "edit-0001", type: "message.edit", state: "pending" },
    ]);
  });

  test("pending delete and reaction apply in send order (I14)", () => {
    const events = [makeEvent({ seq: 1, senderId: "me" }), makeEvent({ seq: 2 })];
    const outbox = [
      makeOutboxRow({ clientId: "delete-01", type: "message.delete", body: { targetSeq: 1 } }),
      makeOutboxRow({
        clientId: "react-001",
        type: "reaction.add",
        body: { targetSeq: 2, emoji: "👍" },
      }),
    ];

    const [first, second] = buildMessageView({
      userId: "me",
      events,
      outbox,
      conversation: undefined,
    });

    expect(first).toMatchObject({ deleted: true, text: "" });
    expect(second?.reactions).toEqual([{ emoji: "👍", count: 1, reactedByMe: true }]);
  });

  test("failed op is listed but not applied", () => {
    const events = [makeEvent({ seq: 1 })];
    const error = { code: "forbidden", message: "not yours" };
    const row = makeOutboxRow({
      clientId: "edit-0002",
      type: "message.edit",
      body: { targetSeq: 1, text: "nope" },
      state: "failed",
      error,
    });

    const [message] = buildMessageView({
      userId: "me",
      events,
      outbox: [row],
      conversation: undefined,
    });

    expect(message?.text).toBe("message 1");
    expect(message?.pendingOps).toEqual([
      { clientId: "edit-0002", type: "message.edit", state: "failed", error },
    ]);
  });

  test("confirmed op is not applied twice (I14)", () => {
    const events = [
      makeEvent({ seq: 1 }),
      makeEvent({
        seq: 2,
        senderId: "me",
        clientId: "react-002",
        type: "reaction.add",
        body: { targetSeq: 1, emoji: "👍" },
      }),
    ];
    const row = makeOutboxRow({
      clientId: "react-002",
      type: "reaction.remove",
      body: { targetSeq: 1, emoji: "👍" },
    });

    const [message] = buildMessageView({
      userId: "me",
      events,
      outbox: [row],
      conversation: undefined,
    });

    expect(message?.reactions).toEqual([{ emoji: "👍", count: 1, reactedByMe: true }]);
    expect(message?.pendingOps).toEqual([]);
  });
});

describe("receipt states", () => {
  const events = [makeEvent({ seq: 1, senderId: "me" }), makeEvent({ seq: 2, senderId: "me" })];

  test("own messages count delivered and read members", () => {
    const row = conversation({
      memberStates: {
        bob: { readSeq: 1, deliveredSeq: 2 },
        carol: { readSeq: 0, deliveredSeq: 1 },
      },
    });

    const messages = buildMessageView({ userId: "me", events, outbox: [], conversation: row });

    expect(messages.map((m) => [m.seq, m.state, m.deliveredCount, m.readCount])).toEqual([
      [1, "delivered", 2, 1],
      [2, "sent", 1, 0],
    ]);
  });

  test("read by everyone is read", () => {
    const row = conversation({
      memberStates: {
        bob: { readSeq: 2, deliveredSeq: 0 },
        carol: { readSeq: 5, deliveredSeq: 5 },
      },
    });

    const messages = buildMessageView({ userId: "me", events, outbox: [], conversation: row });

    expect(messages.map((m) => m.state)).toEqual(["read", "read"]);
  });

  test("sending implies reading", () => {
    const log = [...events, makeEvent({ seq: 3, senderId: "bob" })];
    const row = conversation({ members: ["me", "bob"] });

    const messages = buildMessageView({ userId: "me", events: log, outbox: [], conversation: row });

    expect(messages.map((m) => m.state)).toEqual(["read", "read", "sent"]);
    expect(messages[2]?.readCount).toBeUndefined();
  });
});
