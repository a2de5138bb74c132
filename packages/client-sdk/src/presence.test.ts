import type { PresenceResponse } from "@syncline/protocol";
import { describe, expect, test, vi } from "vitest";
import { createPresenceStore } from "./presence.ts";
import type { Presence } from "./types.ts";

function makeStore(fetchPresence: (ids: readonly string[]) => Promise<PresenceResponse | null>) {
  const fetch = vi.fn(fetchPresence);
  const store = createPresenceStore({
    fetchPresence: fetch,
    onFetchError: () => {},
    onListenerError: () => {},
  });
  return { store, fetch };
}

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

    store.apply({ userId: "bob", status: "offline", lastSeenAt: "2030-01-01T00:00:00.000Z" });

    expect(seen.at(-1)).toEqual([
      { userId: "bob", status: "offline", lastSeenAt: "2030-01-01T00:00:00.000Z" },
    ]);
  });

  test("missing route leaves users unknown and is not asked again", async () => {
    const { store, fetch } = makeStore(async () => null);
    const seen: Presence[][] = [];

    store.subscribe(["bob"], (presence) => seen.push(presence));
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(1));
    await Promise.resolve();
    store.subscribe(["carol"], () => {});
    store.refresh();

    expect(fetch).toHaveBeenCalledTimes(1);
    expect(seen).toEqual([[{ userId: "bob", status: "unknown", lastSeenAt: null }]]);
  });
});
