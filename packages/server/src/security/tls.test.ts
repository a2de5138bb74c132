import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { get as httpGet } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { ServerFrame } from "@syncline/protocol";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import WebSocket from "ws";
import { makeMessage } from "../testing/builders.ts";
import { type SecureTestServer, startSecureServer } from "../testing/secure-server.ts";

const openssl = "/usr/bin/openssl";

/** Makes a self-signed P-256 certificate for 127.0.0.1 and localhost, valid one day. */
async function makeCertificate(dir: string): Promise<{ certPath: string; keyPath: string }> {
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  await promisify(execFile)(openssl, [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=IP:127.0.0.1,DNS:localhost",
    "-keyout",
    keyPath,
    "-out",
    certPath,
  ]);
  return { certPath, keyPath };
}

interface JsonResponse {
  status: number;
  body: unknown;
}

function requestJson(
  url: string,
  init: { method: string; token: string; ca: Buffer; body?: unknown },
) {
  return new Promise<JsonResponse>((resolve, reject) => {
    const payload = init.body === undefined ? undefined : JSON.stringify(init.body);
    const request = httpsRequest(
      url,
      {
        method: init.method,
        ca: init.ca,
        headers: { authorization: `Bearer ${init.token}`, "content-type": "application/json" },
      },
      (response) => {
        let text = "";
        response.on("data", (chunk: Buffer) => {
          text += chunk.toString();
        });
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }),
        );
      },
    );
    request.on("error", reject);
    request.end(payload);
  });
}

describe("tls", () => {
  let dir: string;
  let ca: Buffer;
  let t: SecureTestServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "syncline-tls-"));
    const { certPath, keyPath } = await makeCertificate(dir);
    ca = await readFile(certPath);
    t = await startSecureServer({ TLS_CERT: certPath, TLS_KEY: keyPath });
  });
  afterAll(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("server url is https", () => {
    expect(t.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  test("https push and wss notify work", async () => {
    const token = await t.tokens.issue("alice");
    const socket = new WebSocket(`${t.url.replace(/^https/, "wss")}/v1/ws`, { ca });
    const frames: ServerFrame[] = [];
    socket.on("message", (data) => frames.push(JSON.parse(String(data)) as ServerFrame));
    await new Promise((resolve, reject) => {
      socket.once("open", resolve);
      socket.once("error", reject);
    });
    socket.send(JSON.stringify({ type: "auth", token }));
    await vi.waitFor(() => expect(frames.map((frame) => frame.type)).toContain("ready"));

    const created = await requestJson(`${t.url}/v1/conversations`, {
      method: "POST",
      token,
      ca,
      body: { id: "tls1" },
    });
    const pushed = await requestJson(`${t.url}/v1/push`, {
      method: "POST",
      token,
      ca,
      body: { ops: [makeMessage("tls1", "over tls")] },
    });

    expect(created.status).toBe(201);
    expect(pushed.status).toBe(200);
    await vi.waitFor(() =>
      expect(frames).toContainEqual(expect.objectContaining({ type: "notify", latestSeq: 1 })),
    );
    socket.close();
  });

  test("untrusted certificate is rejected", async () => {
    const token = await t.tokens.issue("alice");

    await expect(
      requestJson(`${t.url}/v1/conversations`, { method: "GET", token, ca: Buffer.from("") }),
    ).rejects.toThrow();
  });

  test("plain http request fails", async () => {
    const plainUrl = `${t.url.replace(/^https/, "http")}/healthz`;

    const outcome = await new Promise<string>((resolve) => {
      const request = httpGet(plainUrl, (response) => resolve(`status ${response.statusCode}`));
      request.on("error", (error) => resolve(`error ${error.message}`));
    });

    expect(outcome).toMatch(/^error|^status 400/);
    expect(outcome).not.toBe("status 200");
  });
});
