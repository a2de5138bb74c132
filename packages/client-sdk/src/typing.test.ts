import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createTypingStore } from "./typing.ts";

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

function watch(conversationId = "c1") {
  const store = createTypingStore(() => {});
  const seen: string[][] = [];
  store.subscribe(conversationId, (userIds) => seen.push(userIds));
  return { store, seen };
}

describe("typing store", () => {
  test("entry expires without refresh (I15)", () => {
    const { store, seen } = watch();

    store.start("c1", "bob", 5_000);
    vi.advanceTimersByTime(4_000);
    store.start("c1", "bob", 5_000);
    vi.advanceTimersByTime(4_999);
    expect(seen.at(-1)).toEqual(["bob"]);
    vi.advanceTimersByTime(1);

    expect(seen.at(-1)).toEqual([]);
    expect(seen).toEqual([[], ["bob"], []]);
  });

  test("stop clears one user at once", () => {
    const { store, seen } = watch();
    store.start("c1", "bob", 5_000);
    store.start("c1", "carol", 5_000);

    store.stop("c1", "bob");

    expect(seen.at(-1)).toEqual(["carol"]);
  });

  test("clear drops every conversation", () => {
    const { store, seen } = watch();
    store.start("c1", "bob", 5_000);

    store.clear();
    vi.advanceTimersByTime(10_000);

    expect(seen).toEqual([[], ["bob"], []]);
  });
});
