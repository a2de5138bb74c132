import { closeCodes } from "@syncline/protocol";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import WebSocket from "ws";
import { type SecureTestServer, startSecureServer } from "../testing/secure-server.ts";
import { openReadySocket, openSocket, type TestSocket } from "../testing/socket-client.ts";

const sockets: TestSocket[] = [];

/** Limits of the shared server; each test uses its own users, since limits are per user. */
const sharedEnv = {
  ALLOWED_ORIGINS: "https://chat.example.com, http://localhost:5173",
  RATE_FRAMES_PER_S: "0.001",
  RATE_FRAMES_BURST: "5",
  RATE_FRAMES_HARD_LIMIT: "2",
  MAX_SOCKETS_PER_USER: "2",
  TYPING_INTERVAL_MS: "0",
};
let t: SecureTestServer;
/** A server with default settings except a tight auth attempt limit. */
let authLimited: SecureTestServer;
/** The same limit behind one trusted reverse proxy. */
let behindProxy: SecureTestServer;

beforeAll(async () => {
  [t, authLimited, behindProxy] = await Promise.all([
    startSecureServer(sharedEnv),
    startSecureServer({ RATE_AUTH_PER_S: "0.001", RATE_AUTH_BURST: "2" }),
    startSecureServer({ RATE_AUTH_PER_S: "0.001", RATE_AUTH_BURST: "1", TRUSTED_PROXY_HOPS: "1" }),
  ]);
});
afterAll(async () => {
  await Promise.all([t.close(), authLimited.close(), behindProxy.close()]);
});

/** Authenticates a raw socket sent through a proxy; resolves to the first frame type or the close code. */
function authThroughProxy(forwardedFor: string, token: string): Promise<string> {
  const url = `${behindProxy.url.replace(/^http/, "ws")}/v1/ws`;
  const socket = new WebSocket(url, { headers: { "x-forwarded-for": forwardedFor } });
  return new Promise((resolve) => {
    socket.once("open", () => socket.send(JSON.stringify({ type: "auth", token })));
    socket.once("message", (data) => {
      resolve(JSON.parse(String(data)).type);
      socket.close();
    });
    socket.once("close", (code) => resolve(String(code)));
  });
}

async function connect(t: SecureTestServer, userId: string): Promise<TestSocket> {
  const socket = await openReadySocket(t.url, await t.tokens.issue(userId));
  sockets.push(socket);
  return socket;
}

/** Opens a raw socket with an Origin header, resolving to "open" or the HTTP status. */
function upgradeStatus(url: string, origin?: string): Promise<string> {
  const headers = origin === undefined ? {} : { origin };
  const socket = new WebSocket(`${url.replace(/^http/, "ws")}/v1/ws`, { headers });
  return new Promise((resolve) => {
    socket.once("open", () => {
      socket.close();
      resolve("open");
    });
    socket.once("unexpected-response", (_request, response) => {
      resolve(String(response.statusCode));
      socket.terminate();
    });
    socket.once("error", () => resolve("error"));
  });
}

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});

describe("socket re-authentication", () => {
  test("new token outlives the first", async () => {
    const firstExpiryMs = Date.now() + 1500;
    const socket = await openReadySocket(t.url, await t.tokens.issue("alice", 1500));
    sockets.push(socket);

    socket.send({ type: "auth", token: await t.tokens.issue("alice") });
    await vi.waitFor(() => expect(socket.frames.filter((f) => f.type === "ready")).toHaveLength(2));
    await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(firstExpiryMs + 1000), {
      timeout: 5000,
      interval: 100,
    });
    socket.send({ type: "ping" });

    await socket.waitFor("pong");
    expect(socket.closeCode).toBeUndefined();
  });

  test("auth for another user closes 4401", async () => {
    const socket = await connect(t, "alice");

    socket.send({ type: "auth", token: await t.tokens.issue("mallory") });

    expect(await socket.waitForClose()).toBe(closeCodes.unauthorized);
  });

  test("bad token on re-auth closes 4401", async () => {
    const socket = await connect(t, "alice");

    socket.send({ type: "auth", token: "not-a-jwt" });

    expect(await socket.waitForClose()).toBe(closeCodes.unauthorized);
  });
});

describe("socket origin allow-list", () => {
  test("foreign origin gets 403", async () => {
    expect(await upgradeStatus(t.url, "https://evil.example.com")).toBe("403");
    expect(await upgradeStatus(t.url, "https://chat.example.com")).toBe("open");
    expect(await upgradeStatus(t.url, "http://localhost:5173")).toBe("open");
    expect(await upgradeStatus(t.url)).toBe("open");
  });

  test("unset list allows any origin", async () => {
    expect(await upgradeStatus(authLimited.url, "https://evil.example.com")).toBe("open");
  });
});

describe("socket rate limits", () => {
  test("frames over the rate get errors, then 4429", async () => {
    const socket = await connect(t, "flooder");
    const bystander = await connect(t, "bystander");

    for (let i = 0; i < 8; i++) socket.send({ type: "ping" });

    expect(await socket.waitForClose()).toBe(closeCodes.tryLater);
    expect(socket.frames.map((frame) => frame.type)).toEqual([
      "ready",
      "pong",
      "pong",
      "pong",
      "pong",
      "pong",
      "error",
      "error",
    ]);
    expect(socket.frames.at(-1)).toMatchObject({ code: "rate_limited" });
    bystander.send({ type: "ping" });
    await bystander.waitFor("pong");
  });

  test("auth attempts per address close 4429", async () => {
    await connect(authLimited, "alice");
    await connect(authLimited, "bob");
    const third = await openSocket(authLimited.url);
    sockets.push(third);

    third.send({ type: "auth", token: await authLimited.tokens.issue("carol") });

    expect(await third.waitForClose()).toBe(closeCodes.tryLater);
    expect(third.frames).toEqual([]);
  });

  test("auth limit keys on the proxy's forwarded address", async () => {
    const token = await behindProxy.tokens.issue("frank");

    expect(await authThroughProxy("198.51.100.1", token)).toBe("ready");
    expect(await authThroughProxy("203.0.113.5, 198.51.100.2", token)).toBe("ready");
    expect(await authThroughProxy("203.0.113.5, 198.51.100.1", token)).toBe(
      String(closeCodes.tryLater),
    );
  });

  test("socket cap closes the oldest with 4429", async () => {
    const oldest = await connect(t, "dana");
    const middle = await connect(t, "dana");
    const otherUser = await connect(t, "erin");

    const newest = await connect(t, "dana");

    expect(await oldest.waitForClose()).toBe(closeCodes.tryLater);
    for (const socket of [middle, newest, otherUser]) {
      socket.send({ type: "ping" });
      await socket.waitFor("pong");
      expect(socket.closeCode).toBeUndefined();
    }
  });
});

describe("typing interval setting", () => {
  test("zero interval relays every typing frame", async () => {
    const token = await t.tokens.issue("typist");
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const body = JSON.stringify({ id: "typing1", members: ["reader"] });
    await fetch(`${t.url}/v1/conversations`, { method: "POST", headers, body });
    const typist = await connect(t, "typist");
    const reader = await connect(t, "reader");

    typist.send({ type: "typing", conversationId: "typing1" });
    typist.send({ type: "typing", conversationId: "typing1" });

    await vi.waitFor(() =>
      expect(reader.frames.filter((frame) => frame.type === "typing")).toHaveLength(2),
    );
  });
});
