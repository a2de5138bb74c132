import { describe, expect, test, vi } from "vitest";
import { storeConversations } from "./conversations.ts";
import { syncTables } from "./db.ts";
import { readCursor, storeEvents } from "./log-store.ts";
import { enqueue } from "./outbox.ts";
import { createPullLoop } from "./pull-loop.ts";
import { makeEvent, makeOutboxRow } from "./testing/builders.ts";
import { makeLoopDeps } from "./testing/loops.ts";
import { readMessages } from "./views.ts";

async function setup(options: { pageLimit?: number; backlog?: number } = {}) {
  const deps = makeLoopDeps();
  const conversation = deps.server.addConversation("c1", ["me", "other"]);
  for (let i = 1; i <= (options.backlog ?? 0); i++) deps.server.append("c1", "other", `m${i}`);
  const refreshConversations = vi.fn(async () => {
    await storeConversations(deps.db, [
      {
        id: "c1",
        title: null,
        createdAt: "2030-01-01T00:00:00.000Z",
        latestSeq: 0,
        members: [],
        epoch: conversation.epoch,
      },
    ]);
  });
  await refreshConversations();
  refreshConversations.mockClear();
  const loop = createPullLoop({
    ...deps,
    pageLimit: options.pageLimit ?? 100,
    refreshConversations,
  });
  return { ...deps, loop, conversation, refreshConversations };
}

function pulledCursors(server: ReturnType<typeof makeLoopDeps>["server"], id = "c1"): number[] {
  return server
    .requestsTo("/v1/pull")
    .map((request) => (request.body as { cursors: Record<string, number> }).cursors[id] as number);
}

describe("paged catch-up", () => {
  test("250 events arrive in pages of 100", async () => {
    const { loop, server, db } = await setup({ backlog: 250 });

    await loop.pull();

    expect(pulledCursors(server)).toEqual([0, 100, 200]);
    expect((await readCursor(db, "c1")).cursor).toBe(250);
    const seqs = (await readMessages(db, "me", "c1")).map((message) => message.seq);
    expect(seqs).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
  });

  test("exactly one page needs one pull", async () => {
    const { loop, server, db } = await setup({ backlog: 100 });

    await loop.pull();

    expect(pulledCursors(server)).toEqual([0]);
    expect((await readCursor(db, "c1")).cursor).toBe(100);
  });

  test("one past a page needs a second pull", async () => {
    const { loop, server, db } = await setup({ backlog: 101 });

    await loop.pull();

    expect(pulledCursors(server)).toEqual([0, 100]);
    expect((await readCursor(db, "c1")).cursor).toBe(101);
  });

  test("short pages are not taken as done", async () => {
    const { loop, server, db } = await setup({ backlog: 250 });
    server.pageCap = 30;

    await loop.pull();

    expect(pulledCursors(server)).toHaveLength(9);
    expect((await readCursor(db, "c1")).cursor).toBe(250);
  });

  test("missing cursor pulls from 0", async () => {
    const { loop, server } = await setup({ backlog: 3 });

    await loop.pull(["c1"]);

    expect(pulledCursors(server)).toEqual([0]);
  });
});

describe("server log reset", () => {
  async function syncedTo50() {
    const context = await setup({ backlog: 50 });
    await context.loop.pull();
    await enqueue(context.db, makeOutboxRow({ clientId: "queued-01" }));
    return context;
  }

  test("new epoch drops the local copy and resyncs from 0 (I9)", async () => {
    const { loop, server, db } = await syncedTo50();
    server.addConversation("c1", ["me", "other"], "epoch-2");
    server.append("c1", "other", "after restore 1");
    server.append("c1", "other", "after restore 2");
    server.append("c1", "other", "after restore 3");
    for (let i = 0; i < 60; i++) server.append("c1", "other", "more");

    await loop.pull();

    expect(await readCursor(db, "c1")).toMatchObject({ cursor: 63, epoch: "epoch-2" });
    expect(await db.events.count()).toBe(63);
    expect(await db.outbox.count()).toBe(1);
  });

  test("cursor_ahead resets and pulls from 0 (I9)", async () => {
    const { loop, server, db, conversation } = await syncedTo50();
    conversation.events.splice(3);
    conversation.epoch = "epoch-restored";
    server.append("c1", "other", "new 1");
    server.append("c1", "other", "new 2");

    await loop.pull();

    expect(pulledCursors(server).slice(-2)).toEqual([50, 0]);
    expect(await readCursor(db, "c1")).toMatchObject({ cursor: 5, epoch: "epoch-restored" });
    const texts = (await readMessages(db, "me", "c1")).map((message) => message.text);
    expect(texts).toEqual(["m1", "m2", "m3", "new 1", "new 2", "text of queued-01"]);
  });

  test("unreadable conversation stops being pulled", async () => {
    const { loop, server, db } = await setup({ backlog: 1 });
    server.conversations.delete("c1");

    await loop.pull();
    await loop.pull();

    expect(pulledCursors(server)).toHaveLength(1);
    expect(await db.conversations.get("c1")).toBeUndefined();
  });
});

describe("notify", () => {
  async function syncedTo5() {
    const context = await setup({ backlog: 5 });
    await context.loop.pull();
    context.server.requests.length = 0;
    return context;
  }

  test("events right after the cursor are applied without a pull", async () => {
    const { loop, server, db } = await syncedTo5();
    const event = server.append("c1", "other", "m6");

    await loop.applyNotify({ type: "notify", conversationId: "c1", latestSeq: 6, events: [event] });

    expect((await readCursor(db, "c1")).cursor).toBe(6);
    expect(server.requestsTo("/v1/pull")).toHaveLength(0);
  });

  test("events beyond a gap are stored and the gap is pulled (I1)", async () => {
    const { loop, server, db } = await syncedTo5();
    server.append("c1", "other", "m6");
    server.append("c1", "other", "m7");
    const release = server.holdNext("/v1/pull");
    const eighth = server.append("c1", "other", "m8");

    await loop.applyNotify({
      type: "notify",
      conversationId: "c1",
      latestSeq: 8,
      events: [eighth],
    });

    expect((await readCursor(db, "c1")).cursor).toBe(5);
    expect(await db.events.count()).toBe(6);
    release();
    await vi.waitFor(async () => expect((await readCursor(db, "c1")).cursor).toBe(8));
    expect(pulledCursors(server)).toEqual([5]);
    const texts = (await readMessages(db, "me", "c1")).map((message) => message.text).slice(-3);
    expect(texts).toEqual(["m6", "m7", "m8"]);
  });

  test("notify without events pulls", async () => {
    const { loop, server, db } = await syncedTo5();
    server.append("c1", "other", "m6");

    await loop.applyNotify({ type: "notify", conversationId: "c1", latestSeq: 6 });

    await vi.waitFor(async () => expect((await readCursor(db, "c1")).cursor).toBe(6));
    expect(pulledCursors(server)).toEqual([5]);
  });

  test("notify for an unknown conversation refreshes the list and pulls it", async () => {
    const { loop, server, refreshConversations } = await syncedTo5();
    server.addConversation("c2", ["me"]);
    server.append("c2", "other", "hello");

    await loop.applyNotify({ type: "notify", conversationId: "c2", latestSeq: 0 });

    expect(refreshConversations).toHaveBeenCalledTimes(1);
    await vi.waitFor(() => expect(pulledCursors(server, "c2")).toEqual([0]));
  });

  test("notify that repeats stored events changes nothing", async () => {
    const { loop, server, db } = await syncedTo5();
    const events = server.conversations.get("c1")?.events.slice(2, 5) ?? [];

    await loop.applyNotify({ type: "notify", conversationId: "c1", latestSeq: 5, events });

    expect((await readCursor(db, "c1")).cursor).toBe(5);
    expect(await db.events.count()).toBe(5);
    expect(server.requestsTo("/v1/pull")).toHaveLength(0);
  });
});

test("pulled page and ack race end with one copy (I2)", async () => {
  const { db } = await setup();
  await enqueue(db, makeOutboxRow({ clientId: "mine-0001" }));
  const event = makeEvent({ seq: 1, clientId: "mine-0001", senderId: "me" });

  await db.transaction("rw", syncTables(db), () => storeEvents(db, "me", "c1", [event]));
  await db.transaction("rw", syncTables(db), () => storeEvents(db, "me", "c1", [event]));

  const messages = await readMessages(db, "me", "c1");
  expect(messages).toHaveLength(1);
});
