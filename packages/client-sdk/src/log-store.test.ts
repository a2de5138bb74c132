import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type SynclineDb, syncTables } from "./db.ts";
import { readCursor, resetConversation, storeEvents } from "./log-store.ts";
import { enqueue } from "./outbox.ts";
import { makeDb, makeEvent, makeOutboxRow } from "./testing/builders.ts";
import { readMessages } from "./views.ts";

function store(db: SynclineDb, seqs: number[], overrides = {}) {
  const events = seqs.map((seq) => makeEvent({ seq, ...overrides }));
  return db.transaction("rw", syncTables(db), () => storeEvents(db, "me", "c1", events));
}

describe("cursor contiguity (I1)", () => {
  test("cursor advances over contiguous seqs", async () => {
    const db = makeDb();

    const cursor = await store(db, [1, 2, 3]);

    expect(cursor).toBe(3);
    expect((await readCursor(db, "c1")).cursor).toBe(3);
  });

  test("cursor stays below a gap", async () => {
    const db = makeDb();
    await store(db, [1, 2, 3, 4, 5]);

    const cursor = await store(db, [8]);

    expect(cursor).toBe(5);
    expect(await db.events.count()).toBe(6);
  });

  test("filling the gap moves the cursor past stored events", async () => {
    const db = makeDb();
    await store(db, [1, 2, 3, 4, 5, 8]);

    const cursor = await store(db, [6, 7]);

    expect(cursor).toBe(8);
  });

  test("missing cursor is 0", async () => {
    const db = makeDb();

    expect(await readCursor(db, "unknown")).toEqual({
      conversationId: "unknown",
      cursor: 0,
      epoch: null,
    });
  });

  test("cursor never exceeds the highest contiguous seq", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 8 }), { maxLength: 6 }),
        async (batches) => {
          const db = makeDb();
          const stored = new Set<number>();
          let previous = 0;
          for (const batch of batches) {
            const cursor = await store(db, batch);
            for (const seq of batch) stored.add(seq);
            let contiguous = 0;
            while (stored.has(contiguous + 1)) contiguous += 1;

            expect(cursor).toBe(contiguous);
            expect(cursor).toBeGreaterThanOrEqual(previous);
            previous = cursor;
          }
          db.close();
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("dedup of pulled events against the outbox (I2, I3)", () => {
  test("pulled own event removes its outbox row", async () => {
    const db = makeDb();
    await enqueue(db, makeOutboxRow({ clientId: "mine-0001", body: { text: "message 1" } }));

    await store(db, [1], { clientId: "mine-0001", senderId: "me" });

    expect(await db.outbox.count()).toBe(0);
    const messages = await readMessages(db, "me", "c1");
    expect(messages.map((message) => [message.clientId, message.state])).toEqual([
      ["mine-0001", "sent"],
    ]);
  });

  test("another sender's event with the same client id keeps the row", async () => {
    const db = makeDb();
    await enqueue(db, makeOutboxRow({ clientId: "dup-00001" }));

    await store(db, [1], { clientId: "dup-00001", senderId: "other" });

    expect(await db.outbox.count()).toBe(1);
    expect(await readMessages(db, "me", "c1")).toHaveLength(2);
  });

  test("reused client id with another body keeps the row", async () => {
    const db = makeDb();
    await enqueue(db, makeOutboxRow({ clientId: "mine-0001", body: { text: "second use" } }));

    await store(db, [1], { clientId: "mine-0001", senderId: "me", body: { text: "first use" } });

    expect(await db.outbox.count()).toBe(1);
  });

  test("outbox row of another conversation is kept", async () => {
    const db = makeDb();
    await enqueue(db, makeOutboxRow({ clientId: "mine-0001", conversationId: "c2" }));

    await store(db, [1], { clientId: "mine-0001", senderId: "me" });

    expect(await db.outbox.count()).toBe(1);
  });

  test("confirmed copy hides a leftover outbox row", async () => {
    const db = makeDb();
    await store(db, [1], { clientId: "mine-0001", senderId: "me" });
    await enqueue(db, makeOutboxRow({ clientId: "mine-0001" }));

    const messages = await readMessages(db, "me", "c1");

    expect(messages).toHaveLength(1);
    expect(messages[0]?.state).toBe("sent");
  });
});

describe("epoch reset", () => {
  test("reset drops events and cursor but keeps the outbox (I9)", async () => {
    const db = makeDb();
    await store(db, [1, 2, 3]);
    await enqueue(db, makeOutboxRow({ clientId: "mine-0001" }));

    await db.transaction("rw", syncTables(db), () => resetConversation(db, "c1", "epoch-2"));

    expect(await db.events.count()).toBe(0);
    expect(await readCursor(db, "c1")).toEqual({
      conversationId: "c1",
      cursor: 0,
      epoch: "epoch-2",
    });
    expect(await db.outbox.count()).toBe(1);
  });

  test("reset leaves other conversations alone", async () => {
    const db = makeDb();
    await store(db, [1, 2]);
    await db.transaction("rw", syncTables(db), () =>
      storeEvents(db, "me", "c2", [makeEvent({ seq: 1, conversationId: "c2" })]),
    );

    await db.transaction("rw", syncTables(db), () => resetConversation(db, "c1", "epoch-2"));

    expect((await readCursor(db, "c2")).cursor).toBe(1);
    expect(await db.events.count()).toBe(1);
  });
});

describe("atomic writes (I4)", () => {
  test("failed write leaves neither events nor cursor", async () => {
    const db = makeDb();
    await store(db, [1]);
    await enqueue(db, makeOutboxRow({ clientId: "mine-0002" }));
    const failing = db.transaction("rw", syncTables(db), async () => {
      await storeEvents(db, "me", "c1", [
        makeEvent({ seq: 2, clientId: "mine-0002", senderId: "me" }),
      ]);
      throw new Error("the tab died here");
    });

    await expect(failing).rejects.toThrow("the tab died here");

    expect((await readCursor(db, "c1")).cursor).toBe(1);
    expect(await db.events.count()).toBe(1);
    expect(await db.outbox.count()).toBe(1);
  });
});
