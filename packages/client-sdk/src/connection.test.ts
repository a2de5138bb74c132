import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createConnection } from "./connection.ts";
import { silentLogger } from "./logger.ts";
import { FakeSocket } from "./testing/fake-socket.ts";
import { createTokenSource, type GetToken } from "./token.ts";
import type { ConnectionStatus } from "./types.ts";

const heartbeatIntervalMs = 1_000;

beforeEach(() => {
  FakeSocket.reset();
  vi.useFakeTimers({
    toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
  });
});

afterEach(() => {
  vi.useRealTimers();
});

function setup(options: { getToken?: GetToken; random?: () => number } = {}) {
  const statuses: ConnectionStatus[] = [];
  const onReady = vi.fn();
  const onFrame = vi.fn();
  let issued = 0;
  const getToken = options.getToken ?? (async () => `token-${++issued}`);
  const connection = createConnection({
    url: "ws://server.test/v1/ws",
    WebSocket: FakeSocket,
    tokens: createTokenSource(getToken),
    logger: silentLogger,
    backoff: { baseMs: 500, maxMs: 30_000 },
    random: options.random ?? (() => 0.999_999),
    heartbeatIntervalMs,
    delegate: { onReady, onFrame, onStatus: (status) => statuses.push(status) },
  });
  connection.start();
  return { connection, statuses, onReady, onFrame };
}

async function nextSocket(count: number): Promise<FakeSocket> {
  await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(count));
  return FakeSocket.latest();
}

describe("connection", () => {
  test("auth frame first, online on ready", async () => {
    const { statuses, onReady } = setup();
    const socket = await nextSocket(1);

    socket.acceptAuth();

    expect(socket.sent[0]).toEqual({ type: "auth", token: "token-1", protocolVersion: 1 });
    expect(statuses).toEqual(["connecting", "online"]);
    expect(onReady).toHaveBeenCalledTimes(1);
  });

  test("frames after ready go to the delegate", async () => {
    const { onFrame } = setup();
    const socket = await nextSocket(1);
    socket.acceptAuth();
    const notify = { type: "notify", conversationId: "c1", latestSeq: 3 };

    socket.receive(notify);
    socket.receive({ type: "pong" });
    socket.receive({ type: "from-the-future" });

    expect(onFrame.mock.calls).toEqual([[notify]]);
  });

  test("heartbeat pings every interval", async () => {
    setup();
    const socket = await nextSocket(1);
    socket.acceptAuth();

    await vi.advanceTimersByTimeAsync(heartbeatIntervalMs * 1.5);
    socket.receive({ type: "pong" });
    await vi.advanceTimersByTimeAsync(heartbeatIntervalMs);

    expect(socket.sent.filter((frame) => frame.type === "ping")).toHaveLength(2);
  });

  test("silent socket is dead after two intervals (I10)", async () => {
    const { statuses } = setup();
    const socket = await nextSocket(1);
    socket.acceptAuth();

    await vi.advanceTimersByTimeAsync(2 * heartbeatIntervalMs - 1);
    expect(socket.closedByClient).toBe(false);
    await vi.advanceTimersByTimeAsync(1);

    expect(socket.closedByClient).toBe(true);
    expect(statuses.at(-1)).toBe("offline");
    await vi.advanceTimersByTimeAsync(500);
    const replacement = await nextSocket(2);
    replacement.acceptAuth();
    expect(statuses.at(-1)).toBe("online");
  });

  test("pongs keep the socket alive", async () => {
    setup();
    const socket = await nextSocket(1);
    socket.acceptAuth();

    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(heartbeatIntervalMs);
      socket.receive({ type: "pong" });
    }

    expect(socket.closedByClient).toBe(false);
    expect(FakeSocket.instances).toHaveLength(1);
  });

  test("socket silent after auth is replaced", async () => {
    setup();
    const socket = await nextSocket(1);
    socket.acceptOpen();

    await vi.advanceTimersByTimeAsync(2 * heartbeatIntervalMs + 500);

    expect(socket.closedByClient).toBe(true);
    await nextSocket(2);
  });

  test("liveness check detects a dead socket at once", async () => {
    const { connection, statuses } = setup();
    const socket = await nextSocket(1);
    socket.acceptAuth();
    await vi.advanceTimersByTimeAsync(100);

    connection.checkLiveness();
    expect(socket.sent.at(-1)).toEqual({ type: "ping" });
    await vi.advanceTimersByTimeAsync(heartbeatIntervalMs * 2);

    expect(socket.closedByClient).toBe(true);
    expect(statuses.at(-1)).toBe("offline");
  });

  test("4401 refreshes the token once, then reconnects", async () => {
    const calls: boolean[] = [];
    const { statuses } = setup({
      getToken: async ({ forceRefresh }) => {
        calls.push(forceRefresh);
        return `token-${calls.length}`;
      },
    });
    const first = await nextSocket(1);
    first.acceptOpen();

    first.serverClose(4401);
    const second = await nextSocket(2);
    second.acceptAuth();

    expect(calls).toEqual([false, true]);
    expect(second.sent[0]).toEqual({ type: "auth", token: "token-2", protocolVersion: 1 });
    expect(statuses.at(-1)).toBe("online");
  });

  test("4401 after a refresh means unauthorized", async () => {
    const { statuses } = setup();
    (await nextSocket(1)).serverClose(4401);
    (await nextSocket(2)).serverClose(4401);

    await vi.advanceTimersByTimeAsync(60_000);

    expect(statuses.at(-1)).toBe("unauthorized");
    expect(FakeSocket.instances).toHaveLength(2);
  });

  test("wake reconnects an unauthorized connection", async () => {
    const { connection } = setup();
    (await nextSocket(1)).serverClose(4401);
    (await nextSocket(2)).serverClose(4401);

    connection.wake();

    await nextSocket(3);
  });

  test("1012 reconnects after a jittered delay", async () => {
    const { statuses } = setup();
    (await nextSocket(1)).acceptAuth();

    FakeSocket.latest().serverClose(1012);
    expect(statuses.at(-1)).toBe("offline");
    await vi.advanceTimersByTimeAsync(3_998);
    expect(FakeSocket.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2);

    await nextSocket(2);
  });

  test("4429 backs off longer", async () => {
    setup();
    (await nextSocket(1)).acceptAuth();

    FakeSocket.latest().serverClose(4429);
    await vi.advanceTimersByTimeAsync(15_998);
    expect(FakeSocket.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2);

    await nextSocket(2);
  });

  test("attempts reset only after a stable connection", async () => {
    setup();
    const delays: number[] = [];
    for (let i = 1; i <= 4; i++) {
      const socket = await nextSocket(i);
      socket.acceptAuth();
      const closedAt = Date.now();
      socket.serverClose(1006);
      await nextSocketAfterTimers(i + 1);
      delays.push(Date.now() - closedAt);
    }
    const stable = FakeSocket.latest();
    stable.acceptAuth();
    for (let i = 0; i < 12; i++) {
      await vi.advanceTimersByTimeAsync(heartbeatIntervalMs);
      stable.receive({ type: "pong" });
    }
    const closedAt = Date.now();
    stable.serverClose(1006);
    await nextSocketAfterTimers(6);

    expect(delays).toEqual([499, 999, 1999, 3999]);
    expect(Date.now() - closedAt).toBe(499);
  });

  test("close stops reconnecting", async () => {
    const { connection } = setup();
    const socket = await nextSocket(1);
    socket.acceptAuth();

    connection.close();
    socket.serverClose(1006);
    await vi.advanceTimersByTimeAsync(60_000);

    expect(socket.closedByClient).toBe(true);
    expect(FakeSocket.instances).toHaveLength(1);
  });
});

/** Advances time one millisecond at a time until socket number `count` exists. */
async function nextSocketAfterTimers(count: number): Promise<void> {
  for (let elapsed = 0; FakeSocket.instances.length < count && elapsed < 60_000; elapsed++) {
    await vi.advanceTimersByTimeAsync(1);
  }
  expect(FakeSocket.instances).toHaveLength(count);
}
