import type { PushResponse, PushResult } from "@syncline/protocol";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { makeMessage, makeOp } from "../testing/builders.ts";
import { findLogViolations, notifiedEvents, readEvents } from "../testing/event-log.ts";
import {
  isStoreUnavailable,
  startTestServer,
  storeKinds,
  type TestServer,
} from "../testing/harness.ts";
import { openReadySocket, type TestSocket } from "../testing/socket-client.ts";

const heldId = "held";

function settledWithin(promise: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  return Promise.race([
    promise.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs)),
  ]);
}

describe.each(storeKinds)("push batch held before COMMIT on %s", (kind) => {
  describe.skipIf(isStoreUnavailable(kind))("", () => {
    let t: TestServer;
    let socket: TestSocket;
    let gate: Promise<void> | undefined;
    let hookEntered = () => {};

    beforeAll(async () => {
      t = await startTestServer(kind, {
        testHooks: {
          beforeCommit: async ({ conversationIds }) => {
            if (gate === undefined || !conversationIds.includes(heldId)) return;
            hookEntered();
            await gate;
          },
        },
      });
      for (const id of [heldId, "free-1", "free-2"]) {
        const response = await t.call("POST", "/v1/conversations", {
          userId: "u0",
          body: { id, members: ["u1"] },
        });
        expect(response.status).toBe(201);
      }
      socket = await openReadySocket(t.url, await t.tokens.issue("u1"));
    });
    afterAll(async () => {
      socket?.close();
      await t?.close();
    });

    async function push(userId: string, ops: unknown[]): Promise<PushResult[]> {
      const response = await t.call("POST", "/v1/push", { userId, body: { ops } });
      expect(response.status).toBe(200);
      return ((await response.json()) as PushResponse).results;
    }

    test("other conversations proceed, held ones wait", async () => {
      let release = () => {};
      gate = new Promise((resolve) => {
        release = resolve;
      });
      const entered = new Promise<void>((resolve) => {
        hookEntered = resolve;
      });
      const heldPush = push("u0", [makeMessage(heldId, "held"), makeMessage("free-1", "held too")]);
      await entered;

      const freePush = push("u1", [
        makeMessage("free-2", "first", "free-two-message"),
        makeOp({
          conversationId: "free-2",
          type: "reaction.add",
          body: { targetSeq: 1, emoji: "x" },
        }),
      ]);
      const behindHeld = push("u1", [makeMessage(heldId, "behind")]);
      const behindFree1 = push("u1", [makeMessage("free-1", "behind")]);

      // Only Postgres writes a second batch while the first is open.
      const freeSettled = await settledWithin(freePush, kind === "postgres" ? 3000 : 300);
      expect(freeSettled).toBe(kind === "postgres");
      expect(await settledWithin(behindHeld, 100)).toBe(false);
      expect(await settledWithin(behindFree1, 100)).toBe(false);
      // PGlite has one connection, so a read there waits for the held transaction.
      if (kind === "postgres") {
        const pulled = await t.call("GET", `/v1/conversations/${heldId}/events?after=0`, {
          userId: "u1",
        });
        expect(((await pulled.json()) as { events: unknown[] }).events).toEqual([]);
      }

      gate = undefined;
      release();
      const [heldResults, freeResults, heldBehind, free1Behind] = await Promise.all([
        heldPush,
        freePush,
        behindHeld,
        behindFree1,
      ]);

      expect(heldResults.map((result) => result.status === "ok" && result.seq)).toEqual([1, 1]);
      expect(freeResults.map((result) => result.status === "ok" && result.seq)).toEqual([1, 2]);
      expect(heldBehind.map((result) => result.status === "ok" && result.seq)).toEqual([2]);
      expect(free1Behind.map((result) => result.status === "ok" && result.seq)).toEqual([2]);

      const logs = await readEvents(t.store, [heldId, "free-1", "free-2"]);
      for (const [id, log] of logs) {
        expect(log.map((event) => event.seq)).toEqual([1, 2]);
        expect(findLogViolations(log)).toEqual([]);
        await vi.waitFor(() => {
          expect(notifiedEvents(socket.frames, id).events).toHaveLength(2);
        });
        expect(notifiedEvents(socket.frames, id).events).toEqual(log);
      }
    });
  });
});
