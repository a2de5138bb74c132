import type { IncomingMessage } from "node:http";
import { describe, expect, test } from "vitest";
import { clientAddress } from "./client-address.ts";

function request(forwardedFor?: string | string[]): IncomingMessage {
  const headers = forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor };
  return { socket: { remoteAddress: "10.0.0.1" }, headers } as unknown as IncomingMessage;
}

describe("clientAddress", () => {
  test("no trusted proxy uses the peer", () => {
    expect(clientAddress(request("203.0.113.9"), 0)).toBe("10.0.0.1");
  });

  test("one hop takes the rightmost entry", () => {
    expect(clientAddress(request("198.51.100.7, 203.0.113.9"), 1)).toBe("203.0.113.9");
  });

  test("two hops skip the inner proxy", () => {
    expect(clientAddress(request("198.51.100.7, 203.0.113.9, 10.0.0.2"), 2)).toBe("203.0.113.9");
  });

  test("spoofed entries left of the hops are ignored", () => {
    const spoofed = request(["1.1.1.1, 2.2.2.2", "203.0.113.9"]);

    expect(clientAddress(spoofed, 1)).toBe("203.0.113.9");
  });

  test("short header falls back to its leftmost entry", () => {
    expect(clientAddress(request("203.0.113.9"), 3)).toBe("203.0.113.9");
  });

  test("missing header falls back to the peer", () => {
    expect(clientAddress(request(), 1)).toBe("10.0.0.1");
    expect(clientAddress(request(" , "), 1)).toBe("10.0.0.1");
  });
});
