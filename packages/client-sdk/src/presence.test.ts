import type { PresenceResponse } from "@syncline/protocol";
import { afterEach, describe, expect, test, vi } from "vitest";
import { createPresenceStore } from "./presence.ts";
import type { Presence } from "./types.ts";

const pollIntervalMs = 1_000;

afterEach(() => {
  vi.useRealTimers();
});

function makeStore(fetchPresence: (ids: readonly string[]) => Promise<PresenceResponse | null>) {
  const fetch = vi.fn(fetchPresence);
  const store = createPresenceStore({
    fetchPresence: fetch,
    pollIntervalMs,
    onFetchError: () => {},
    onListenerError: () => {},
  });
  return { store, fetch };
}

const offlineBob = {
  userId: "bob",
  status: "offline",
  lastSeenAt: "2030-01-01T00:00:00.000Z",
} as const;

describe("presence store", () => {
  test("fetches unknown users on subscribe", async () => {
    const { store, fetch } = makeStore(async () => ({
      presence: [{ userId: "bob", status: "online", lastSeenAt: null }],
    }));
    const seen: Presence[][] = [];

    store.subscribe(["bob", "carol"], (presence) => seen.push(presence));

    expect(seen[0]?.map((entry) => entry.status)).toEqual(["unknown", "unknown"]);
    await vi.waitFor(() => expect(seen.at(-1)?.[0]?.status).toBe("online"));
    expect(fetch).toHaveBeenCalledWith(["bob", "carol"]);
  });

  test("frames update subscribers", () => {
    const { store } = makeStore(async () => ({ presence: [] }));
    const seen: Presence[][] = [];
    store.subscribe(["bob"], (presence) => seen.push(presence));

    store.applyFrame(offlineBob);

    expect(seen.at(-1)).toEqual([offlineBob]);
  });

  test("polls users no frame reported (I25)", async () => {
    vi.useFakeTimers();
    const { store, fetch } = makeStore(async (ids) => ({
      presence: ids.map((userId) => ({ userId, status: "online", lastSeenAt: null })),
    }));
    store.subscribe(["bob", "carol"], () => {});
    store.onReady();
    store.applyFrame(offlineBob);
    fetch.mockClear();

    await vi.advanceTimersByTimeAsync(pollIntervalMs);
    await vi.advanceTimersByTimeAsync(pollIntervalMs);

    expect(fetch.mock.calls).toEqual([[["carol"]], [["carol"]]]);
  });

  test("closed socket stops polls", async () => {
    vi.useFakeTimers();
    const { store, fetch } = makeStore(async () => ({ presence: [] }));
    store.subscribe(["bob"], () => {});
    store.onReady();
    store.onSocketClosed();
    fetch.mockClear();

    await vi.advanceTimersByTimeAsync(3 * pollIntervalMs);

    expect(fetch).not.toHaveBeenCalled();
  });

  test("new socket polls users again", async () => {
    vi.useFakeTimers();
    const { store, fetch } = makeStore(async () => ({ presence: [] }));
    store.subscribe(["bob"], () => {});
    store.onReady();
    store.applyFrame(offlineBob);
    store.onSocketClosed();
    store.onReady();
    fetch.mockClear();

    await vi.advanceTimersByTimeAsync(pollIntervalMs);

    expect(fetch.mock.calls).toEqual([[["bob"]]]);
  });

  test("fetches over 100 users in chunks", async () => {
    const { store, fetch } = makeStore(async () => ({ presence: [] }));
    const userIds = Array.from({ length: 150 }, (_, i) => `user-${i}`);

    store.subscribe(userIds, () => {});

    expect(fetch).toHaveBeenCalledTimes(2);
    expect(fetch.mock.calls[0]?.[0]).toEqual(userIds.slice(0, 100));
    expect(fetch.mock.calls[1]?.[0]).toEqual(userIds.slice(100));
  });

  test("missing route leaves users unknown and is not asked again", async () => {
    const { store, fetch } = makeStore(async () => null);
    const seen: Presence[][] = [];

    store.subscribe(["bob"], (presence) => seen.push(presence));
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(1));
    await Promise.resolve();
    store.subscribe(["carol"], () => {});
    store.onReady();
    store.close();

    expect(fetch).toHaveBeenCalledTimes(1);
    expect(seen).toEqual([[{ userId: "bob", status: "unknown", lastSeenAt: null }]]);
  });
});
