import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { describe, expect, test, vi } from "vitest";
import type { SynclineClient } from "../client.ts";
import type { ConnectionStatus, Message } from "../types.ts";
import { useConnectionStatus, useConversations, useMessages } from "./hooks.ts";
import { createSnapshotStore, isDeepEqual, type Source } from "./snapshot-store.ts";

function message(overrides: Partial<Message> = {}): Message {
  return {
    clientId: "k1",
    conversationId: "c1",
    senderId: "alice",
    text: "hello",
    seq: null,
    createdAt: "2026-01-01T00:00:00.000Z",
    state: "pending",
    editedAt: null,
    deleted: false,
    reactions: [],
    pendingOps: [],
    ...overrides,
  };
}

/** A source whose values the test pushes by hand. */
function manualSource<T>() {
  let emit: ((value: T) => void) | undefined;
  const unsubscribe = vi.fn(() => {
    emit = undefined;
  });
  const source: Source<T> = (listener) => {
    emit = listener;
    return unsubscribe;
  };
  return { source, unsubscribe, push: (value: T) => emit?.(value) };
}

describe("snapshot store", () => {
  test("equal value keeps the snapshot and skips listeners", () => {
    const { source, push } = manualSource<Message[]>();
    const store = createSnapshotStore<Message[]>(source, [], isDeepEqual);
    const onChange = vi.fn();
    store.subscribe(onChange);

    push([message()]);
    const first = store.getSnapshot();
    push([message()]);

    expect(store.getSnapshot()).toBe(first);
    expect(onChange).toHaveBeenCalledTimes(1);
  });

  test("changed message gives a new snapshot", () => {
    const { source, push } = manualSource<Message[]>();
    const store = createSnapshotStore<Message[]>(source, [], isDeepEqual);
    const onChange = vi.fn();
    store.subscribe(onChange);

    push([message()]);
    push([message({ state: "sent", seq: 1 })]);

    expect(store.getSnapshot()[0]?.state).toBe("sent");
    expect(onChange).toHaveBeenCalledTimes(2);
  });

  test("source is released after the last listener", () => {
    const { source, unsubscribe } = manualSource<number>();
    const store = createSnapshotStore(source, 0, Object.is);
    const stopFirst = store.subscribe(() => {});
    const stopSecond = store.subscribe(() => {});

    stopFirst();
    expect(unsubscribe).not.toHaveBeenCalled();
    stopSecond();

    expect(unsubscribe).toHaveBeenCalledTimes(1);
  });

  test("deep equality tells arrays, objects and missing keys apart", () => {
    expect(isDeepEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
    expect(isDeepEqual({ a: 1 }, { b: 1 })).toBe(false);
    expect(isDeepEqual([1], { 0: 1 })).toBe(false);
    expect(isDeepEqual({ a: undefined }, {})).toBe(false);
    expect(isDeepEqual(null, {})).toBe(false);
  });
});

function Probe({ client }: { client: SynclineClient }) {
  const messages = useMessages(client, "c1");
  const conversations = useConversations(client);
  const status = useConnectionStatus(client);
  return createElement("p", null, `${messages.length}/${conversations.length}/${status}`);
}

describe("hooks", () => {
  test("server render shows the initial snapshots", () => {
    const client = {
      subscribeMessages: vi.fn(() => () => {}),
      subscribeConversations: vi.fn(() => () => {}),
      subscribeStatus: vi.fn((_listener: (status: ConnectionStatus) => void) => () => {}),
    } as unknown as SynclineClient;

    const html = renderToString(createElement(Probe, { client }));

    expect(html).toBe("<p>0/0/connecting</p>");
  });
});
