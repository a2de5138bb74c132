import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { describe, expect, test, vi } from "vitest";
import type { SynclineClient } from "../client.ts";
import type { Presence } from "../types.ts";
import { createPresenceStore, createTypingStore, usePresence, useTyping } from "./chat-hooks.ts";

/** Creates a client whose presence and typing listeners the test calls by hand. */
function fakeClient() {
  const presenceListeners: Array<(presence: Presence[]) => void> = [];
  const typingListeners: Array<(userIds: string[]) => void> = [];
  const subscribePresence = vi.fn(
    (_userIds: readonly string[], listener: (presence: Presence[]) => void) => {
      presenceListeners.push(listener);
      return () => presenceListeners.splice(presenceListeners.indexOf(listener), 1);
    },
  );
  const subscribeTyping = vi.fn((_conversationId: string, listener: (ids: string[]) => void) => {
    typingListeners.push(listener);
    return () => typingListeners.splice(typingListeners.indexOf(listener), 1);
  });
  const client = { subscribePresence, subscribeTyping } as unknown as SynclineClient;
  return {
    client,
    subscribePresence,
    subscribeTyping,
    presenceListeners,
    typingListeners,
    emitPresence: (presence: Presence[]) => {
      for (const listener of [...presenceListeners]) listener(presence);
    },
    emitTyping: (userIds: string[]) => {
      for (const listener of [...typingListeners]) listener(userIds);
    },
  };
}

const bobOnline: Presence = { userId: "bob", status: "online", lastSeenAt: null };
const bobOffline: Presence = {
  userId: "bob",
  status: "offline",
  lastSeenAt: "2026-01-01T00:00:00.000Z",
};

describe("presence store", () => {
  test("starts with every user unknown", () => {
    const { client } = fakeClient();

    const store = createPresenceStore(client, ["bob", "carol"]);

    expect(store.getSnapshot()).toEqual([
      { userId: "bob", status: "unknown", lastSeenAt: null },
      { userId: "carol", status: "unknown", lastSeenAt: null },
    ]);
  });

  test("subscribes with the given ids", () => {
    const { client, subscribePresence } = fakeClient();
    const store = createPresenceStore(client, ["bob", "carol"]);

    store.subscribe(() => {});

    expect(subscribePresence).toHaveBeenCalledTimes(1);
    expect(subscribePresence.mock.calls[0]?.[0]).toEqual(["bob", "carol"]);
  });

  test("equal presence keeps the snapshot", () => {
    const { client, emitPresence } = fakeClient();
    const store = createPresenceStore(client, ["bob"]);
    const onChange = vi.fn();
    store.subscribe(onChange);

    emitPresence([bobOnline]);
    const first = store.getSnapshot();
    emitPresence([{ ...bobOnline }]);

    expect(store.getSnapshot()).toBe(first);
    expect(onChange).toHaveBeenCalledTimes(1);
  });

  test("changed presence gives a new snapshot", () => {
    const { client, emitPresence } = fakeClient();
    const store = createPresenceStore(client, ["bob"]);
    const onChange = vi.fn();
    store.subscribe(onChange);

    emitPresence([bobOnline]);
    emitPresence([bobOffline]);

    expect(store.getSnapshot()).toEqual([bobOffline]);
    expect(onChange).toHaveBeenCalledTimes(2);
  });

  test("last listener releases the subscription", () => {
    const { client, presenceListeners } = fakeClient();
    const store = createPresenceStore(client, ["bob"]);

    const stop = store.subscribe(() => {});
    expect(presenceListeners).toHaveLength(1);
    stop();

    expect(presenceListeners).toHaveLength(0);
  });
});

describe("typing store", () => {
  test("starts empty and subscribes to its conversation", () => {
    const { client, subscribeTyping } = fakeClient();
    const store = createTypingStore(client, "c1");

    expect(store.getSnapshot()).toEqual([]);
    store.subscribe(() => {});

    expect(subscribeTyping.mock.calls[0]?.[0]).toBe("c1");
  });

  test("same typers keep the snapshot", () => {
    const { client, emitTyping } = fakeClient();
    const store = createTypingStore(client, "c1");
    const onChange = vi.fn();
    store.subscribe(onChange);

    emitTyping(["bob"]);
    const first = store.getSnapshot();
    emitTyping(["bob"]);

    expect(store.getSnapshot()).toBe(first);
    expect(onChange).toHaveBeenCalledTimes(1);
  });

  test("new typer gives a new snapshot", () => {
    const { client, emitTyping } = fakeClient();
    const store = createTypingStore(client, "c1");
    const onChange = vi.fn();
    store.subscribe(onChange);

    emitTyping(["bob"]);
    emitTyping(["bob", "carol"]);
    emitTyping([]);

    expect(store.getSnapshot()).toEqual([]);
    expect(onChange).toHaveBeenCalledTimes(3);
  });
});

function Probe({ client, userIds }: { client: SynclineClient; userIds: string[] }) {
  const presence = usePresence(client, userIds);
  const typing = useTyping(client, "c1");
  const statuses = presence.map((entry) => `${entry.userId}:${entry.status}`).join(",");
  return createElement("p", null, `${statuses}|${typing.length}`);
}

describe("presence and typing hooks", () => {
  test("server render shows the initial snapshots", () => {
    const { client, subscribePresence, subscribeTyping } = fakeClient();

    const html = renderToString(createElement(Probe, { client, userIds: ["bob", "carol"] }));

    expect(html).toBe("<p>bob:unknown,carol:unknown|0</p>");
    expect(subscribePresence).not.toHaveBeenCalled();
    expect(subscribeTyping).not.toHaveBeenCalled();
  });

  test("server render of no users shows none", () => {
    const { client } = fakeClient();

    const html = renderToString(createElement(Probe, { client, userIds: [] }));

    expect(html).toBe("<p>|0</p>");
  });
});
