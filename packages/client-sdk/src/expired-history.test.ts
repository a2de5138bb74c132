import { describe, expect, test } from "vitest";
import { syncTables } from "./db.ts";
import { errorAction } from "./errors.ts";
import { skipExpiredHistory } from "./expired-history.ts";
import { readCursor, storeEvents } from "./log-store.ts";
import { makeDb, makeEvent } from "./testing/builders.ts";

describe("expired history (I23)", () => {
  test("cursor moves to oldest seq minus one", async () => {
    const db = makeDb();
    await db.cursors.put({ conversationId: "c1", cursor: 2, epoch: "e1" });

    await skipExpiredHistory(db, "c1", { oldestSeq: 10, latestSeq: 12, epoch: "e1" });

    expect(await readCursor(db, "c1")).toEqual({
      conversationId: "c1",
      cursor: 9,
      epoch: "e1",
      historyStartSeq: 10,
    });
  });

  test("cursor never moves down", async () => {
    const db = makeDb();
    await db.cursors.put({ conversationId: "c1", cursor: 12, epoch: "e1" });

    await skipExpiredHistory(db, "c1", { oldestSeq: 10, latestSeq: 12, epoch: "e1" });

    expect((await readCursor(db, "c1")).cursor).toBe(12);
  });

  test("stored events past the skip advance the cursor", async () => {
    const db = makeDb();
    await db.cursors.put({ conversationId: "c1", cursor: 2, epoch: "e1" });
    await skipExpiredHistory(db, "c1", { oldestSeq: 10, latestSeq: 12, epoch: "e1" });

    const events = [10, 11, 12].map((seq) => makeEvent({ seq }));
    const cursor = await db.transaction("rw", syncTables(db), () =>
      storeEvents(db, "me", "c1", events),
    );

    expect(cursor).toBe(12);
  });

  test("new epoch resets the conversation first", async () => {
    const db = makeDb();
    await db.transaction("rw", syncTables(db), () =>
      storeEvents(db, "me", "c1", [makeEvent({ seq: 1 })]),
    );
    await db.cursors.put({ conversationId: "c1", cursor: 1, epoch: "old" });

    await skipExpiredHistory(db, "c1", { oldestSeq: 5, latestSeq: 6, epoch: "new" });

    expect(await readCursor(db, "c1")).toMatchObject({ cursor: 4, epoch: "new" });
    expect(await db.events.count()).toBe(0);
  });

  test("missing oldestSeq is a bad response", async () => {
    const db = makeDb();

    await expect(skipExpiredHistory(db, "c1", { latestSeq: 3 })).rejects.toMatchObject({
      code: "bad_response",
    });
  });

  test("cursor_expired maps to reset", () => {
    expect(errorAction("cursor_expired")).toBe("reset");
  });
});
