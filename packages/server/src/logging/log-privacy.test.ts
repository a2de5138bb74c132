import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTokenAuthority } from "../auth/tokens.ts";
import { createLogger } from "../logger.ts";
import { type RunningServer, startServer } from "../server.ts";
import { makeMessage } from "../testing/builders.ts";
import { makeStoreConfig, type StoreConfig, testSecret } from "../testing/harness.ts";
import { createMemoryDestination } from "../testing/memory-destination.ts";
import { openReadySocket, openSocket } from "../testing/socket-client.ts";

const secretText = "pineapple-7f3a-never-log-me";

describe("server log", () => {
  const destination = createMemoryDestination();
  const tokens = createTokenAuthority(testSecret);
  const failNextCommit = { value: false };
  let store: StoreConfig;
  let server: RunningServer;

  beforeAll(async () => {
    store = await makeStoreConfig("pglite");
    server = await startServer({
      config: store.config,
      logger: createLogger("trace", destination),
      testHooks: {
        async beforeCommit() {
          if (!failNextCommit.value) return;
          failNextCommit.value = false;
          throw new Error("Injected commit failure.");
        },
      },
    });
  });
  afterAll(async () => {
    await server.close();
    await store.drop();
  });

  async function call(path: string, token: string, body?: unknown, requestId?: string) {
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
    };
    if (requestId !== undefined) headers["x-request-id"] = requestId;
    const init =
      body === undefined ? { headers } : { method: "POST", headers, body: JSON.stringify(body) };
    return fetch(`${server.url}${path}`, init);
  }

  test("no token and no message text", async () => {
    const token = await tokens.issue("alice");
    const badToken = `${token.slice(0, -8)}AAAAAAAA`;
    const ops = (text: string) => ({ ops: [makeMessage("p1", text)] });
    await call("/v1/conversations", token, { id: "p1", members: ["bob"] });
    const socket = await openReadySocket(server.url, token);

    const pushed = await call("/v1/push", token, ops(secretText));
    const pulled = await call("/v1/conversations/p1/events?after=0", token);
    const batch = await call("/v1/pull", token, { cursors: { p1: 0 } });
    const rejected = await call("/v1/push", badToken, ops(secretText));
    failNextCommit.value = true;
    const failed = await call("/v1/push", token, ops(`${secretText}-2`));
    const badSocket = await openSocket(server.url);
    badSocket.send({ type: "auth", token: badToken });
    await badSocket.waitForClose();
    socket.close();
    await socket.waitForClose();

    expect(pushed.status).toBe(200);
    expect(pulled.status).toBe(200);
    expect(batch.status).toBe(200);
    expect(rejected.status).toBe(401);
    expect(failed.status).toBe(500);
    const log = destination.lines.join("\n");
    expect(destination.lines.length).toBeGreaterThan(5);
    expect(log).toContain("request failed");
    expect(log).not.toContain(secretText);
    for (const secret of [token, badToken, token.split(".")[2], badToken.split(".")[2]]) {
      expect(log).not.toContain(secret);
    }
  });

  test("request id is accepted, echoed and logged", async () => {
    const token = await tokens.issue("alice");

    const response = await call("/v1/conversations", token, undefined, "trace-42_a");
    const invented = await call("/v1/conversations", token, undefined, "bad id\u00e9!");

    expect(response.headers.get("x-request-id")).toBe("trace-42_a");
    const inventedId = invented.headers.get("x-request-id");
    expect(inventedId).toMatch(/^[0-9a-f-]{36}$/);
    const handled = destination.entries().filter((entry) => entry.msg === "request handled");
    expect(handled.some((entry) => entry.requestId === "trace-42_a")).toBe(true);
    expect(handled.some((entry) => entry.requestId === inventedId)).toBe(true);
  });

  test("every request line carries its request id", () => {
    const requestLines = destination
      .entries()
      .filter((entry) => ["request handled", "request failed"].includes(String(entry.msg)));

    expect(requestLines.length).toBeGreaterThan(0);
    for (const entry of requestLines) expect(entry.requestId).toEqual(expect.any(String));
  });
});
