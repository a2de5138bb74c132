import { describe, expect, test } from "vitest";
import {
  chunkEntries,
  maxPresenceEntryBytes,
  type PresenceEntry,
  parsePresenceMessage,
} from "./presence-channel.ts";

describe("chunkEntries", () => {
  test("keeps every chunk within the byte limit", () => {
    const entries: PresenceEntry[] = Array.from({ length: 2000 }, (_, index) => [
      `user-${index}-${"x".repeat(40)}`,
      1_765_000_000_000 + index,
    ]);

    const chunks = chunkEntries(entries);

    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(Buffer.byteLength(JSON.stringify(chunk))).toBeLessThanOrEqual(maxPresenceEntryBytes);
    }
    expect(chunks.flat()).toEqual(entries);
  });

  test("returns no chunk for no entries", () => {
    expect(chunkEntries([])).toEqual([]);
  });

  test("counts multi-byte user ids in bytes", () => {
    const entries: PresenceEntry[] = Array.from({ length: 10 }, (_, index) => [
      `${"é".repeat(128)}${index}`,
      0,
    ]);

    const chunks = chunkEntries(entries, 1000);

    for (const chunk of chunks) {
      expect(Buffer.byteLength(JSON.stringify(chunk))).toBeLessThanOrEqual(1000);
    }
    expect(chunks.flat()).toEqual(entries);
  });
});

describe("parsePresenceMessage", () => {
  test("accepts every kind", () => {
    const messages = [
      { kind: "hello" },
      { kind: "bye" },
      { kind: "beat", users: [["ann", 1]] },
      { kind: "change", online: [["ann", 1]], offline: [] },
    ];

    for (const message of messages) expect(parsePresenceMessage(message)).toEqual(message);
  });

  test("rejects malformed messages", () => {
    const invalid = [
      null,
      "hello",
      { kind: "wave" },
      { kind: "beat" },
      { kind: "beat", users: [["ann"]] },
      { kind: "beat", users: [[1, 1]] },
      { kind: "change", online: [["ann", "soon"]], offline: [] },
      { kind: "change", online: [] },
    ];

    for (const value of invalid) expect(parsePresenceMessage(value)).toBeUndefined();
  });
});
