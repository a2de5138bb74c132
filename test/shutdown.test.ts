import { mkdtemp, rm } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeCodes, pushResponseSchema } from "@syncline/protocol";
import { afterEach, describe, expect, test, vi } from "vitest";
import WebSocket from "ws";
import { createTestApi } from "./support/api.ts";
import { type ServerProcess, spawnServer } from "./support/server-process.ts";
import { signTestToken, testAuthSecret } from "./support/tokens.ts";

const running: ServerProcess[] = [];
const dataDirs: string[] = [];

afterEach(async () => {
  for (const server of running.splice(0)) await server.stop("SIGKILL");
  for (const dir of dataDirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function start(shutdownTimeoutMs: number): Promise<ServerProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), "syncline-shutdown-"));
  dataDirs.push(dataDir);
  const server = await spawnServer({
    DATA_DIR: dataDir,
    AUTH_SECRET: testAuthSecret,
    SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
  });
  running.push(server);
  return server;
}

/** A push whose body is sent in two parts, so the request stays in flight in between. */
interface SlowPush {
  sendRest(): void;
  /** Everything the server wrote back, once it closed the connection. */
  response: Promise<string>;
}

async function startSlowPush(
  url: string,
  token: string,
  conversationId: string,
): Promise<SlowPush> {
  const op = { clientId: "slow-op-1", conversationId, type: "message", body: { text: "late" } };
  const body = Buffer.from(JSON.stringify({ ops: [op] }));
  const { hostname, port } = new URL(url);
  const socket: Socket = connect(Number(port), hostname);
  await new Promise((resolve) => socket.once("connect", resolve));
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  const response = new Promise<string>((resolve) => {
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
  socket.write(
    `POST /v1/push HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
  );
  socket.write(body.subarray(0, 10));
  return { sendRest: () => socket.write(body.subarray(10)), response };
}

async function openReadySocket(url: string, token: string) {
  const socket = new WebSocket(`${url.replace(/^http/, "ws")}/v1/ws`);
  const state = { ready: false, closeCode: undefined as number | undefined };
  socket.on("message", (data) => {
    if ((JSON.parse(String(data)) as { type: string }).type === "ready") state.ready = true;
  });
  socket.on("close", (code) => {
    state.closeCode = code;
  });
  await new Promise((resolve) => socket.once("open", resolve));
  socket.send(JSON.stringify({ type: "auth", token }));
  await vi.waitFor(() => expect(state.ready).toBe(true));
  return state;
}

function hasLogged(server: ServerProcess, message: string): boolean {
  return server.output.some((line) => line.includes(`"msg":"${message}"`));
}

describe("graceful shutdown", () => {
  test("in-flight push is acked before exit", async () => {
    const server = await start(10_000);
    const token = await signTestToken("alice");
    await createTestApi(server.url, token).createConversation("s1", []);
    const socket = await openReadySocket(server.url, token);
    const push = await startSlowPush(server.url, token, "s1");

    process.kill(server.pid, "SIGTERM");
    await vi.waitFor(() => expect(hasLogged(server, "server stopping")).toBe(true), {
      timeout: 10_000,
    });
    await vi.waitFor(() => expect(socket.closeCode).toBe(closeCodes.serviceRestart));
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    push.sendRest();
    const response = await push.response;
    const code = await server.exited;

    expect(response).toMatch(/^HTTP\/1\.1 200 /);
    const json = response.slice(response.indexOf("\r\n\r\n") + 4);
    const [result] = pushResponseSchema.parse(JSON.parse(json)).results;
    expect(result).toMatchObject({ clientId: "slow-op-1", status: "ok", seq: 1 });
    expect(code).toBe(0);
    expect(hasLogged(server, "server stopped")).toBe(true);
  }, 60_000);

  test("stalled request cannot hold exit past the timeout", async () => {
    const server = await start(2000);
    const token = await signTestToken("alice");
    await createTestApi(server.url, token).createConversation("s2", []);
    const push = await startSlowPush(server.url, token, "s2");

    const signalledAtMs = Date.now();
    process.kill(server.pid, "SIGTERM");
    const code = await server.exited;
    const response = await push.response;

    expect(code).toBe(0);
    // The timeout is 2 s; the rest of the bound is room for a loaded machine.
    expect(Date.now() - signalledAtMs).toBeLessThan(10_000);
    expect(response).toBe("");
  }, 60_000);
});
