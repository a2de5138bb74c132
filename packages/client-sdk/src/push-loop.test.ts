import { afterEach, describe, expect, test, vi } from "vitest";
import { enqueue } from "./outbox.ts";
import { createPushLoop } from "./push-loop.ts";
import { makeOutboxRow } from "./testing/builders.ts";
import { makeLoopDeps, useLoopTimers } from "./testing/loops.ts";
import { readMessages } from "./views.ts";

afterEach(() => {
  vi.useRealTimers();
});

async function setup(clientIds: string[], options: Parameters<typeof makeLoopDeps>[0] = {}) {
  const deps = makeLoopDeps(options);
  for (const clientId of clientIds) await enqueue(deps.db, makeOutboxRow({ clientId }));
  const loop = createPushLoop(deps);
  return { ...deps, loop };
}

function pushedIds(server: ReturnType<typeof makeLoopDeps>["server"]): string[][] {
  return server
    .requestsTo("/v1/push")
    .map((request) =>
      (request.body as { ops: { clientId: string }[] }).ops.map((op) => op.clientId),
    );
}

describe("push loop", () => {
  test("outbox is pushed in send order in batches of 50 (I5)", async () => {
    const ids = Array.from({ length: 120 }, (_, i) => `client-${String(i).padStart(4, "0")}`);
    const { loop, server, db } = await setup(ids);

    await loop.flush();

    expect(pushedIds(server).map((batch) => batch.length)).toEqual([50, 50, 20]);
    const messages = await readMessages(db, "me", "c1");
    expect(messages.map((message) => message.clientId)).toEqual(ids);
    expect(messages.map((message) => message.seq)).toEqual(ids.map((_, i) => i + 1));
    expect(await db.outbox.count()).toBe(0);
  });

  test("4xx on one op marks it failed and others go on (I7)", async () => {
    const { loop, server, db } = await setup(["good-0001", "bad-00001", "good-0002"]);
    server.rejectOp = (op) => (op.clientId === "bad-00001" ? "forbidden" : undefined);

    await loop.flush();

    const messages = await readMessages(db, "me", "c1");
    expect(messages.map((message) => [message.clientId, message.state, message.seq])).toEqual([
      ["good-0001", "sent", 1],
      ["good-0002", "sent", 2],
      ["bad-00001", "failed", null],
    ]);
    expect(messages[2]?.error?.code).toBe("forbidden");
  });

  test("413 on a batch pushes its ops one by one (I7)", async () => {
    const { loop, server, db } = await setup(["first-001", "poison-01", "third-001"]);
    server.rejectRequest = (_path, body) =>
      JSON.stringify(body).includes("poison-01")
        ? { status: 413, body: { error: { code: "payload_too_large", message: "too large" } } }
        : undefined;

    await loop.flush();

    expect(pushedIds(server)).toEqual([
      ["first-001", "poison-01", "third-001"],
      ["first-001"],
      ["poison-01"],
      ["third-001"],
    ]);
    const messages = await readMessages(db, "me", "c1");
    expect(messages.map((message) => [message.clientId, message.state])).toEqual([
      ["first-001", "sent"],
      ["third-001", "sent"],
      ["poison-01", "failed"],
    ]);
    expect(messages[2]?.error?.code).toBe("payload_too_large");
  });

  test("503 is retried after a backoff without a new send (I6)", async () => {
    useLoopTimers();
    const { loop, server, db } = await setup(["first-001"]);
    server.failNext("/v1/push", {
      status: 503,
      body: { error: { code: "unavailable", message: "down" } },
    });

    loop.kick();
    await vi.waitFor(() => expect(server.requestsTo("/v1/push")).toHaveLength(1));
    await vi.advanceTimersByTimeAsync(300);

    await vi.waitFor(async () => expect(await db.outbox.count()).toBe(0));
    expect(server.requestsTo("/v1/push")).toHaveLength(2);
  });

  test("Retry-After is honoured", async () => {
    useLoopTimers();
    const { loop, server, db } = await setup(["first-001"]);
    const busy = {
      status: 429,
      headers: { "retry-after": "10" },
      body: { error: { code: "rate_limited", message: "slow down" } },
    };
    server.failNext("/v1/push", busy);

    loop.kick();
    await vi.waitFor(() => expect(server.requestsTo("/v1/push")).toHaveLength(1));
    await vi.advanceTimersByTimeAsync(9_000);
    expect(server.requestsTo("/v1/push")).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2_000);

    await vi.waitFor(async () => expect(await db.outbox.count()).toBe(0));
  });

  test("network failures are retried without end (I6)", async () => {
    useLoopTimers();
    const { loop, server, db } = await setup(["first-001"]);
    for (let i = 0; i < 12; i++) server.failNext("/v1/push", "network");

    loop.kick();
    for (let i = 0; i < 12; i++) {
      await vi.waitFor(() => expect(server.requestsTo("/v1/push").length).toBeGreaterThan(i));
      await vi.advanceTimersByTimeAsync(30_000);
    }

    await vi.waitFor(async () => expect(await db.outbox.count()).toBe(0));
    expect(server.requestsTo("/v1/push")).toHaveLength(13);
  });

  test("send during a push in flight is pushed right after it", async () => {
    const { loop, server, db } = await setup(["first-001"]);
    const release = server.holdNext("/v1/push");
    loop.kick();
    await vi.waitFor(() => expect(server.requestsTo("/v1/push")).toHaveLength(1));

    await enqueue(db, makeOutboxRow({ clientId: "second-01" }));
    loop.kick();
    release();

    await vi.waitFor(async () => expect(await db.outbox.count()).toBe(0));
    expect(pushedIds(server)).toEqual([["first-001"], ["second-01"]]);
    const messages = await readMessages(db, "me", "c1");
    expect(messages.map((message) => message.seq)).toEqual([1, 2]);
  });

  test("lost ack is resolved by duplicate result (I2)", async () => {
    useLoopTimers();
    const { loop, server, db } = await setup(["first-001"]);
    server.failNext("/v1/push", "drop");

    loop.kick();
    await vi.waitFor(() => expect(server.requestsTo("/v1/push")).toHaveLength(1));
    await vi.advanceTimersByTimeAsync(300);
    await vi.waitFor(async () => expect(await db.outbox.count()).toBe(0));

    expect(server.conversations.get("c1")?.events).toHaveLength(1);
    const messages = await readMessages(db, "me", "c1");
    expect(messages.map((message) => [message.clientId, message.seq])).toEqual([["first-001", 1]]);
  });

  test("401 refreshes the token once and retries", async () => {
    let issued = 0;
    const { loop, server, db } = await setup(["first-001"], {
      getToken: async () => `token-${++issued}`,
    });
    server.validTokens = new Set(["token-2"]);

    await loop.flush();

    expect(await db.outbox.count()).toBe(0);
    expect(server.requestsTo("/v1/push").map((request) => request.token)).toEqual([
      "token-1",
      "token-2",
    ]);
  });

  test("401 after a refresh stops the loop as unauthorized", async () => {
    const { loop, server, db, onUnauthorized } = await setup(["first-001"]);
    server.validTokens = new Set(["never-issued"]);

    loop.kick();

    await vi.waitFor(() => expect(onUnauthorized).toHaveBeenCalledTimes(1));
    expect(onUnauthorized.mock.calls[0]?.[0]).toMatchObject({ code: "unauthorized" });
    expect(server.requestsTo("/v1/push")).toHaveLength(2);
    expect(await db.outbox.count()).toBe(1);
  });

  test("close ends a backoff wait at once", async () => {
    const { loop, server, controller } = await setup(["first-001"]);
    server.failNext("/v1/push", "network");
    loop.kick();
    await vi.waitFor(() => expect(server.requestsTo("/v1/push")).toHaveLength(1));

    controller.abort();
    loop.kick();

    await expect(loop.flush()).rejects.toMatchObject({ code: "closed" });
  });
});
