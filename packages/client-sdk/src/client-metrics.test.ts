import { describe, expect, test } from "vitest";
import { trackClientMetrics } from "./client-metrics.ts";
import { ack, discardFailed, enqueue, markFailed } from "./outbox.ts";
import { createStatusStore } from "./status.ts";
import { makeDb, makeOutboxRow } from "./testing/builders.ts";

const sentAtMs = Date.parse("2030-01-01T00:00:00.000Z");

function setup() {
  const db = makeDb();
  const status = createStatusStore(() => {});
  const clock = { nowMs: sentAtMs };
  const tracker = trackClientMetrics(db, status, () => clock.nowMs);
  return { db, status, clock, tracker };
}

function okResult(clientId: string, seq: number) {
  return {
    clientId,
    status: "ok" as const,
    seq,
    createdAt: "2030-01-01T00:00:09.000Z",
    duplicate: false,
  };
}

describe("client metrics", () => {
  test("empty client reports nothing pending", async () => {
    const { tracker } = setup();

    const metrics = await tracker.read();

    expect(metrics).toEqual({
      outboxDepth: 0,
      oldestPendingAgeMs: null,
      sendToAck: { lastMs: null, p50Ms: null, p99Ms: null, count: 0 },
      reconnects: 0,
    });
  });

  test("pending rows give depth and oldest age", async () => {
    const { db, clock, tracker } = setup();
    await enqueue(db, makeOutboxRow({ clientId: "client-a" }));
    await enqueue(
      db,
      makeOutboxRow({ clientId: "client-b", createdAt: "2030-01-01T00:00:02.000Z" }),
    );
    await enqueue(db, makeOutboxRow({ clientId: "client-c" }));
    await markFailed(db, "client-c", { code: "forbidden", message: "no" });
    clock.nowMs = sentAtMs + 5000;

    const metrics = await tracker.read();

    expect(metrics.outboxDepth).toBe(2);
    expect(metrics.oldestPendingAgeMs).toBe(5000);
  });

  test("acks feed send-to-ack latency", async () => {
    const { db, clock, tracker } = setup();
    const rows = [];
    for (const clientId of ["client-a", "client-b", "client-c"]) {
      rows.push(await enqueue(db, makeOutboxRow({ clientId })));
    }
    await enqueue(db, makeOutboxRow({ clientId: "client-d" }));
    await markFailed(db, "client-d", { code: "forbidden", message: "no" });

    for (const [index, row] of rows.entries()) {
      clock.nowMs = sentAtMs + (index + 1) * 100;
      await ack(db, "me", [{ row, result: okResult(row.clientId, index + 1) }]);
    }
    await discardFailed(db, "client-d");
    const metrics = await tracker.read();

    expect(metrics.outboxDepth).toBe(0);
    expect(metrics.sendToAck).toEqual({ lastMs: 300, p50Ms: 200, p99Ms: 300, count: 3 });
  });

  test("coming back online counts a reconnect", async () => {
    const { status, tracker } = setup();

    status.set("online");
    status.set("offline");
    status.set("connecting");
    status.set("online");
    status.set("offline");
    status.set("online");

    expect((await tracker.read()).reconnects).toBe(2);
  });
});
