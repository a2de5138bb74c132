import { vi } from "vitest";
import type { SynclineDb } from "../db.ts";
import { createHttpTransport } from "../http.ts";
import { silentLogger } from "../logger.ts";
import { createSerial } from "../serial.ts";
import { createTokenSource, type GetToken } from "../token.ts";
import { makeDb } from "./builders.ts";
import { FakeServer } from "./fake-server.ts";

/** Creates the shared parts of a push or pull loop under test, wired to a {@link FakeServer}. */
export function makeLoopDeps(options: { getToken?: GetToken; random?: () => number } = {}) {
  const server = new FakeServer();
  const db: SynclineDb = makeDb();
  const controller = new AbortController();
  const getToken = options.getToken ?? (async () => "token-1");
  const tokens = createTokenSource(getToken);
  const http = createHttpTransport({
    baseUrl: "http://server.test",
    fetch: server.fetch,
    tokens,
    signal: controller.signal,
    requestTimeoutMs: 30_000,
  });
  return {
    server,
    db,
    controller,
    tokens,
    http,
    userId: "me",
    logger: silentLogger,
    backoff: { baseMs: 500, maxMs: 30_000 },
    random: options.random ?? (() => 0.5),
    signal: controller.signal,
    serial: createSerial(),
    onUnauthorized: vi.fn(),
  };
}

/** Fakes the timers the loops use, leaving setImmediate real for fake-indexeddb. */
export function useLoopTimers(): void {
  vi.useFakeTimers({
    toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
  });
}
