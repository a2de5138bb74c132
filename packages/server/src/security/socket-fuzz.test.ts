import { closeCodes } from "@syncline/protocol";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { fuzzParameters } from "../testing/fuzz.ts";
import { type SecureTestServer, startSecureServer } from "../testing/secure-server.ts";
import { openReadySocket, type TestSocket } from "../testing/socket-client.ts";

/** Close codes a fuzzed frame may cause: a bad auth frame, or one over the size limit. */
const expectedCloseCodes: number[] = [closeCodes.unauthorized, closeCodes.frameTooLarge];

const frameTypes = ["auth", "typing", "ping", "delivered", "notify", "error", ""];

/** A frame as the socket carries it: JSON text, random text or binary bytes. */
const frameArbitrary = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? "null"),
  fc
    .record(
      {
        type: fc.constantFrom(...frameTypes),
        conversationId: fc.oneof(fc.constant("z1"), fc.string({ unit: "binary" })),
        seq: fc.oneof(fc.integer(), fc.double(), fc.jsonValue()),
        token: fc.string(),
      },
      { requiredKeys: ["type"] },
    )
    .map((frame) => JSON.stringify(frame)),
  fc.string({ unit: "binary", maxLength: 64 }),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
);

describe("socket fuzz", () => {
  let t: SecureTestServer;

  beforeAll(async () => {
    // Rate limits are raised here so that the fuzzer measures frame handling, not the limiter.
    t = await startSecureServer({ RATE_FRAMES_PER_S: "100000", RATE_FRAMES_BURST: "100000" });
  });
  afterAll(async () => {
    await t.close();
  });

  async function connect(userId: string): Promise<TestSocket> {
    return openReadySocket(t.url, await t.tokens.issue(userId));
  }

  /** Reads the store as the API shows it: the fuzzer's conversations and z1's events. */
  async function readState(): Promise<unknown> {
    const headers = { authorization: `Bearer ${await t.tokens.issue("fuzzer")}` };
    const list = await fetch(`${t.url}/v1/conversations`, { headers });
    const events = await fetch(`${t.url}/v1/conversations/z1/events`, { headers });
    return { conversations: await list.json(), events: await events.json() };
  }

  test("random frames never crash or close others", async () => {
    const bystander = await connect("bystander");
    let fuzzer = await connect("fuzzer");
    const headers = {
      authorization: `Bearer ${await t.tokens.issue("fuzzer")}`,
      "content-type": "application/json",
    };
    const body = JSON.stringify({ id: "z1", members: ["bystander"] });
    await fetch(`${t.url}/v1/conversations`, { method: "POST", headers, body });
    // The server's store is private to it, so the state is compared through the API.
    const before = await readState();

    await fc.assert(
      fc.asyncProperty(frameArbitrary, async (frame) => {
        if (fuzzer.closeCode !== undefined) {
          expect(expectedCloseCodes).toContain(fuzzer.closeCode);
          fuzzer = await connect("fuzzer");
        }
        const pongsBefore = fuzzer.frames.filter((f) => f.type === "pong").length;

        fuzzer.socket.send(frame);
        fuzzer.send({ type: "ping" });

        // Frames are handled in order, so the pong shows the fuzzed frame was handled.
        await Promise.race([
          fuzzer.waitFor(
            "pong",
            () => fuzzer.frames.filter((f) => f.type === "pong").length > pongsBefore,
          ),
          fuzzer.waitForClose(),
        ]);
        expect(fuzzer.frames.filter((f) => f.type === "error" && f.code === "internal")).toEqual(
          [],
        );
      }),
      fuzzParameters(),
    );

    bystander.send({ type: "ping" });
    await bystander.waitFor("pong");
    expect(bystander.closeCode).toBeUndefined();
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    expect(await readState()).toEqual(before);
    bystander.close();
    fuzzer.close();
  });
});
