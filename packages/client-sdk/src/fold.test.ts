import type { Event } from "@syncline/protocol";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { foldEvents, toReactions } from "./fold.ts";
import { makeEvent } from "./testing/builders.ts";

function edit(seq: number, targetSeq: number, text: string, senderId = "other"): Event {
  return makeEvent({ seq, senderId, type: "message.edit", body: { targetSeq, text } });
}

function remove(seq: number, targetSeq: number, senderId = "other"): Event {
  return makeEvent({ seq, senderId, type: "message.delete", body: { targetSeq } });
}

function reaction(seq: number, targetSeq: number, emoji: string, senderId: string, add = true) {
  const type = add ? "reaction.add" : "reaction.remove";
  return makeEvent({ seq, senderId, type, body: { targetSeq, emoji } });
}

describe("foldEvents", () => {
  test("edit replaces text and sets editedAt", () => {
    const events = [makeEvent({ seq: 1 }), edit(2, 1, "first fix"), edit(3, 1, "second fix")];

    const [message] = foldEvents(events);

    expect(message?.text).toBe("second fix");
    expect(message?.editedAt).toBe(events[2]?.createdAt);
  });

  test("delete leaves a tombstone without reactions", () => {
    const events = [makeEvent({ seq: 1 }), reaction(2, 1, "👍", "me"), remove(3, 1)];

    const [message] = foldEvents(events);

    expect(message).toMatchObject({ seq: 1, deleted: true, text: "" });
    expect(message?.reactors.size).toBe(0);
  });

  test("edit after delete is ignored", () => {
    const [message] = foldEvents([makeEvent({ seq: 1 }), remove(2, 1), edit(3, 1, "back")]);

    expect(message).toMatchObject({ deleted: true, text: "", editedAt: null });
  });

  test("edit and delete by another member are ignored", () => {
    const events = [makeEvent({ seq: 1 }), edit(2, 1, "hijack", "me"), remove(3, 1, "me")];

    const [message] = foldEvents(events);

    expect(message).toMatchObject({ text: "message 1", deleted: false, editedAt: null });
  });

  test("reactions count distinct users per emoji", () => {
    const events = [
      makeEvent({ seq: 1 }),
      reaction(2, 1, "👍", "me"),
      reaction(3, 1, "👍", "other"),
      reaction(4, 1, "👍", "me"),
      reaction(5, 1, "🎉", "other"),
      reaction(6, 1, "🎉", "other", false),
    ];

    const [message] = foldEvents(events);

    expect(message && toReactions(message, "me")).toEqual([
      { emoji: "👍", count: 2, reactedByMe: true },
    ]);
  });

  test("ops on unknown or non-message targets are skipped", () => {
    const events = [
      makeEvent({ seq: 1, type: "member.added", body: { userId: "carol" } }),
      edit(2, 1, "not a message"),
      edit(3, 9, "unknown"),
      reaction(4, 4, "👍", "me"),
    ];

    expect(foldEvents(events)).toEqual([]);
  });
});

/** Builds a log of messages and ops on them with random senders, targets and emoji. */
function logArbitrary(): fc.Arbitrary<Event[]> {
  const senders = fc.constantFrom("me", "other", "third");
  const step = fc.record({
    kind: fc.constantFrom("message", "edit", "delete", "add", "remove"),
    senderId: senders,
    target: fc.nat(),
    emoji: fc.constantFrom("👍", "🎉", "❤️"),
    text: fc.string({ minLength: 1, maxLength: 8 }),
  });
  return fc.array(step, { minLength: 1, maxLength: 40 }).map((steps) =>
    steps.map((item, index) => {
      const seq = index + 1;
      const targetSeq = (item.target % seq) + 1;
      const { senderId } = item;
      switch (item.kind) {
        case "message":
          return makeEvent({ seq, senderId, body: { text: item.text } });
        case "edit":
          return edit(seq, targetSeq, item.text, senderId);
        case "delete":
          return remove(seq, targetSeq, senderId);
        default:
          return reaction(seq, targetSeq, item.emoji, senderId, item.kind === "add");
      }
    }),
  );
}

function view(events: readonly Event[]) {
  return foldEvents(events).map((message) => ({
    ...message,
    reactions: toReactions(message, "me"),
  }));
}

test("fold ignores storage order (I13)", () => {
  fc.assert(
    fc.property(
      logArbitrary().chain((events) =>
        fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length })),
      ),
      ([events, shuffled]) => {
        expect(view(shuffled)).toEqual(view(events));
      },
    ),
    { numRuns: 300 },
  );
});
