import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { readCursor } from "./log-store.ts";
import {
  ack,
  discardFailed,
  enqueue,
  markFailed,
  nextPending,
  retryFailed,
  toOp,
} from "./outbox.ts";
import { makeDb, makeOutboxRow } from "./testing/builders.ts";
import { readMessages } from "./views.ts";

const okResult = (clientId: string, seq: number) => ({
  clientId,
  status: "ok" as const,
  seq,
  createdAt: "2030-01-01T00:00:09.000Z",
  duplicate: false,
});

describe("outbox", () => {
  test("pending rows come out in send order (I5)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.nat(), { maxLength: 20 }), async (numbers) => {
        const ids = numbers.map((number) => `client-${number}`);
        const db = makeDb();
        for (const clientId of ids) await enqueue(db, makeOutboxRow({ clientId }));

        const rows = await nextPending(db, 50);

        expect(rows.map((row) => row.clientId)).toEqual(ids);
        db.close();
      }),
      { numRuns: 30 },
    );
  });

  test("failed rows are skipped, later ones go on", async () => {
    const db = makeDb();
    for (const clientId of ["first-001", "second-01", "third-001"]) {
      await enqueue(db, makeOutboxRow({ clientId }));
    }

    await markFailed(db, "second-01", { code: "payload_too_large", message: "too large" });

    const rows = await nextPending(db, 50);
    expect(rows.map((row) => row.clientId)).toEqual(["first-001", "third-001"]);
  });

  test("retry puts a failed row back at its place", async () => {
    const db = makeDb();
    for (const clientId of ["first-001", "second-01"])
      await enqueue(db, makeOutboxRow({ clientId }));
    await markFailed(db, "first-001", { code: "forbidden", message: "not a member" });

    await retryFailed(db, "first-001");

    const rows = await nextPending(db, 50);
    expect(rows.map((row) => row.clientId)).toEqual(["first-001", "second-01"]);
    expect(rows[0]?.error).toBeUndefined();
  });

  test("discard removes only failed rows", async () => {
    const db = makeDb();
    await enqueue(db, makeOutboxRow({ clientId: "first-001" }));

    await expect(discardFailed(db, "first-001")).rejects.toMatchObject({ code: "invalid_request" });
    await markFailed(db, "first-001", { code: "forbidden", message: "not a member" });
    await discardFailed(db, "first-001");

    expect(await db.outbox.count()).toBe(0);
  });

  test("ack moves the row to the events in one step (I3)", async () => {
    const db = makeDb();
    const row = await enqueue(db, makeOutboxRow({ clientId: "first-001" }));

    await ack(db, "me", [{ row, result: okResult("first-001", 1) }]);

    expect(await db.outbox.count()).toBe(0);
    const messages = await readMessages(db, "me", "c1");
    expect(messages).toEqual([
      expect.objectContaining({
        clientId: "first-001",
        seq: 1,
        state: "sent",
        createdAt: "2030-01-01T00:00:09.000Z",
      }),
    ]);
    expect((await readCursor(db, "c1")).cursor).toBe(1);
  });

  test("ack beyond a gap keeps the cursor below it (I1)", async () => {
    const db = makeDb();
    const row = await enqueue(db, makeOutboxRow({ clientId: "first-001" }));

    await ack(db, "me", [{ row, result: okResult("first-001", 4) }]);

    expect((await readCursor(db, "c1")).cursor).toBe(0);
  });

  test("op leaves out local fields", async () => {
    const row = makeOutboxRow({ clientId: "first-001", position: 3 });

    expect(toOp(row)).toEqual({
      clientId: "first-001",
      conversationId: "c1",
      type: "message",
      body: { text: "text of first-001" },
    });
  });
});
