import { describe, expect, test } from "vitest";
import { PresenceLedger } from "./presence-ledger.ts";

describe("PresenceLedger", () => {
  test("first hold brings the user online", () => {
    const ledger = new PresenceLedger();

    const first = ledger.hold("ann", "node-a", 1000);
    const second = ledger.hold("ann", "node-b", 1000);

    expect(first).toBe(true);
    expect(second).toBe(false);
    expect(ledger.isOnline("ann")).toBe(true);
  });

  test("last release takes the user offline", () => {
    const ledger = new PresenceLedger();
    ledger.hold("ann", "node-a", 1000);
    ledger.hold("ann", "node-b", 1000);

    const afterFirst = ledger.release("ann", "node-a");
    const afterSecond = ledger.release("ann", "node-b");
    const again = ledger.release("ann", "node-b");

    expect(afterFirst).toBe(false);
    expect(afterSecond).toBe(true);
    expect(again).toBe(false);
    expect(ledger.isOnline("ann")).toBe(false);
    expect(ledger.heldBy("node-b")).toEqual([]);
  });

  test("expire drops lapsed holds only", () => {
    const ledger = new PresenceLedger();
    ledger.hold("ann", "node-a", 1000);
    ledger.hold("ben", "node-a", 1000);
    ledger.hold("ben", "node-b", 5000);
    ledger.hold("cy", "local", Number.POSITIVE_INFINITY);

    const wentOffline = ledger.expire(1000);

    expect(wentOffline).toEqual(["ann"]);
    expect(ledger.isOnline("ben")).toBe(true);
    expect(ledger.isHeldBy("ben", "node-a")).toBe(false);
    expect(ledger.isOnline("cy")).toBe(true);
  });

  test("renewed hold survives the old expiry", () => {
    const ledger = new PresenceLedger();
    ledger.hold("ann", "node-a", 1000);
    ledger.hold("ann", "node-a", 2000);

    expect(ledger.expire(1500)).toEqual([]);
    expect(ledger.expire(2000)).toEqual(["ann"]);
  });

  test("expireNodeAt only shortens holds", () => {
    const ledger = new PresenceLedger();
    ledger.hold("ann", "node-a", 10_000);
    ledger.hold("ben", "node-a", 100);
    ledger.hold("ann", "node-b", 10_000);

    ledger.expireNodeAt("node-a", 500);

    expect(ledger.expire(100)).toEqual(["ben"]);
    expect(ledger.expire(500)).toEqual([]);
    expect(ledger.heldBy("node-a")).toEqual([]);
    expect(ledger.heldBy("node-b")).toEqual(["ann"]);
  });

  test("noteSeen keeps the latest time", () => {
    const ledger = new PresenceLedger();

    ledger.noteSeen("ann", 2000);
    ledger.noteSeen("ann", 1000);

    expect(ledger.lastSeenMs("ann")).toBe(2000);
    expect(ledger.lastSeenMs("ben")).toBeUndefined();
  });
});
