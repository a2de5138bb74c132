import type { ServerFrame } from "@syncline/protocol";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import type { Row, SqlRunner } from "../store/store.ts";
import { silentLogger } from "../testing/harness.ts";
import type { Notifier } from "./notifier.ts";
import { PresenceTracker } from "./presence.ts";

/** A store whose every query returns bob and carol as the audience. */
const audienceStore: SqlRunner = {
  query: async <R extends Row>() => [{ user_id: "bob" }, { user_id: "carol" }] as unknown as R[],
};

function makeTracker(sent: { frame: ServerFrame; userIds: readonly string[] }[], graceMs = 2000) {
  const notifier: Notifier = {
    publish: () => {},
    send: (frame, userIds) => sent.push({ frame, userIds }),
  };
  return new PresenceTracker({
    store: audienceStore,
    notifier,
    logger: silentLogger,
    ttlMs: 10_000,
    graceMs,
    maxGroupSize: 100,
  });
}

describe("PresenceTracker", () => {
  let sent: { frame: ServerFrame; userIds: readonly string[] }[];
  let tracker: PresenceTracker;

  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    tracker = makeTracker(sent);
  });
  afterEach(() => {
    tracker.close();
    vi.useRealTimers();
  });

  const statuses = () => sent.map(({ frame }) => (frame.type === "presence" ? frame.status : ""));

  test("connect announces online to the audience", async () => {
    tracker.connect("s1", "alice");
    await vi.advanceTimersByTimeAsync(0);

    expect(sent).toEqual([
      {
        frame: {
          type: "presence",
          userId: "alice",
          status: "online",
          lastSeenAt: expect.any(String),
        },
        userIds: ["bob", "carol"],
      },
    ]);
  });

  test("silent socket goes offline after ttl and grace", async () => {
    tracker.connect("s1", "alice");
    await vi.advanceTimersByTimeAsync(9000);
    tracker.touch("s1");

    await vi.advanceTimersByTimeAsync(10_000);
    const beforeGrace = tracker.statusOf("alice").status;
    await vi.advanceTimersByTimeAsync(10_000);

    expect(beforeGrace).toBe("online");
    expect(tracker.statusOf("alice").status).toBe("offline");
    expect(statuses()).toEqual(["online", "offline"]);
  });

  test("stale socket that speaks again is online", async () => {
    tracker.connect("s1", "alice");
    await vi.advanceTimersByTimeAsync(30_000);

    tracker.touch("s1");
    await vi.advanceTimersByTimeAsync(2000);

    expect(tracker.statusOf("alice").status).toBe("online");
    expect(statuses()).toEqual(["online", "offline", "online"]);
  });

  test("reconnect within grace sends nothing", async () => {
    tracker.connect("s1", "alice");
    await vi.advanceTimersByTimeAsync(1500);

    tracker.disconnect("s1");
    await vi.advanceTimersByTimeAsync(500);
    tracker.connect("s2", "alice");
    await vi.advanceTimersByTimeAsync(10_000);

    expect(statuses()).toEqual(["online"]);
  });

  test("flapping is coalesced to one frame a second", async () => {
    tracker.close();
    tracker = makeTracker(sent, 100);
    tracker.connect("s1", "alice");
    tracker.disconnect("s1");
    await vi.advanceTimersByTimeAsync(200);
    tracker.connect("s2", "alice");
    await vi.advanceTimersByTimeAsync(2000);
    const afterFlap = statuses();

    tracker.disconnect("s2");
    await vi.advanceTimersByTimeAsync(2000);

    expect(afterFlap).toEqual(["online"]);
    expect(statuses()).toEqual(["online", "offline"]);
  });

  test("one live socket keeps the user online", async () => {
    tracker.connect("s1", "alice");
    tracker.connect("s2", "alice");

    tracker.disconnect("s1");
    await vi.advanceTimersByTimeAsync(5000);

    expect(tracker.statusOf("alice").status).toBe("online");
    expect(statuses()).toEqual(["online"]);
  });

  test("offline keeps lastSeenAt of the last frame", async () => {
    vi.setSystemTime(new Date("2026-01-01T00:00:00.000Z"));
    tracker.connect("s1", "alice");
    await vi.advanceTimersByTimeAsync(3000);
    tracker.touch("s1");
    tracker.disconnect("s1");
    await vi.advanceTimersByTimeAsync(5000);

    expect(tracker.statusOf("alice")).toEqual({
      userId: "alice",
      status: "offline",
      lastSeenAt: "2026-01-01T00:00:03.000Z",
    });
    expect(tracker.statusOf("nobody")).toEqual({
      userId: "nobody",
      status: "offline",
      lastSeenAt: null,
    });
  });
});
