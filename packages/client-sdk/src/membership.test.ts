import { describe, expect, test } from "vitest";
import { type ConversationRow, syncTables } from "./db.ts";
import { resetConversation, storeEvents } from "./log-store.ts";
import { makeDb, makeEvent } from "./testing/builders.ts";

function memberEvent(seq: number, type: "member.added" | "member.removed", userId: string) {
  return makeEvent({ seq, senderId: "me", type, body: { userId } });
}

function conversationRow(): ConversationRow {
  return {
    id: "c1",
    title: null,
    createdAt: "2030-01-01T00:00:00.000Z",
    members: ["me"],
    latestSeq: 0,
    epoch: "epoch-1",
    readSeq: 0,
  };
}

describe("membership events", () => {
  test("apply in seq order across a gap (I18)", async () => {
    const db = makeDb();
    await db.conversations.put(conversationRow());
    const write = (events: ReturnType<typeof makeEvent>[]) =>
      db.transaction("rw", syncTables(db), () => storeEvents(db, "me", "c1", events));

    await write([memberEvent(1, "member.added", "carol")]);
    await write([memberEvent(3, "member.removed", "carol")]);
    const beforeGapFilled = (await db.conversations.get("c1"))?.members;
    await write([memberEvent(2, "member.added", "dave")]);

    expect(beforeGapFilled).toEqual(["me", "carol"]);
    expect((await db.conversations.get("c1"))?.members).toEqual(["me", "dave"]);
  });

  test("apply again after a reset (I18)", async () => {
    const db = makeDb();
    await db.conversations.put({ ...conversationRow(), membersAsOfSeq: 5 });
    const added = memberEvent(1, "member.added", "carol");

    await db.transaction("rw", syncTables(db), async () => {
      await resetConversation(db, "c1", "epoch-2");
      await storeEvents(db, "me", "c1", [added]);
    });

    expect((await db.conversations.get("c1"))?.members).toEqual(["me", "carol"]);
  });
});
