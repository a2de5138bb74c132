import type { ServerFrame } from "@syncline/protocol";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeMessage } from "../testing/builders.ts";
import {
  isStoreUnavailable,
  startTestServer,
  storeKinds,
  type TestServer,
} from "../testing/harness.ts";
import { openReadySocket, type TestSocket } from "../testing/socket-client.ts";

/** The three kinds of caller every route and frame is tried with. */
const roles = ["member", "nonMember", "removed"] as const;
type Role = (typeof roles)[number];
const userOf: Record<Role, string> = { member: "bob", nonMember: "mallory", removed: "carol" };

describe.each(storeKinds)("access matrix on %s", (kind) => {
  describe.skipIf(isStoreUnavailable(kind))("", () => {
    const conversationId = "matrix";
    let t: TestServer;
    const sockets: Partial<Record<Role | "alice", TestSocket>> = {};

    beforeAll(async () => {
      t = await startTestServer(kind);
      const members = ["bob", "carol", "frank"];
      await t.call("POST", "/v1/conversations", {
        userId: "alice",
        body: { id: conversationId, members },
      });
      await push("alice", "before removal");
      sockets.alice = await connect("alice");
      for (const role of roles) sockets[role] = await connect(userOf[role]);
      // The removed member's socket was opened before the removal.
      await t.call("DELETE", `/v1/conversations/${conversationId}/members/carol`, {
        userId: "alice",
      });
      await socketOf("removed").waitFor("notify", (frame) => frame.latestSeq === 2);
    });
    afterAll(async () => {
      for (const socket of Object.values(sockets)) socket.close();
      await t.close();
    });

    async function connect(userId: string): Promise<TestSocket> {
      return openReadySocket(t.url, await t.tokens.issue(userId));
    }

    function socketOf(role: Role | "alice"): TestSocket {
      const socket = sockets[role];
      if (socket === undefined) throw new Error(`No socket for ${role}.`);
      return socket;
    }

    async function push(userId: string, text: string): Promise<unknown> {
      const body = { ops: [makeMessage(conversationId, text)] };
      const response = await t.call("POST", "/v1/push", { userId, body });
      const { results } = await response.json();
      return results[0].status === "ok" ? "ok" : results[0].code;
    }

    async function status(method: string, path: string, userId: string, body?: unknown) {
      const response = await t.call(method, path, { userId, body });
      return response.status;
    }

    /** Sends a frame, then a ping, and returns the code of an error frame before the pong. */
    async function frameOutcome(role: Role, frame: unknown): Promise<string> {
      const socket = socketOf(role);
      const before = socket.frames.length;
      socket.send(frame);
      socket.send({ type: "ping" });
      await socket.waitFor("pong", () => socket.frames.length > before);
      const reply = socket.frames.slice(before).find((f) => f.type === "error");
      return reply?.type === "error" ? reply.code : "ok";
    }

    /**
     * Triggers a fanout, waits until the member got the matching frame,
     * then flushes the other sockets with a ping, and reports who got it.
     */
    async function receivers(
      trigger: () => Promise<unknown>,
      matches: (frame: ServerFrame) => boolean,
    ): Promise<Record<Role, boolean>> {
      const starts = Object.fromEntries(roles.map((r) => [r, socketOf(r).frames.length]));
      await trigger();
      await socketOf("member")
        .waitFor("pong", () => false)
        .catch(() => undefined);
      const got = (role: Role) => socketOf(role).frames.slice(starts[role]).some(matches);
      await expect.poll(() => got("member"), { timeout: 10_000 }).toBe(true);
      for (const role of roles) {
        const socket = socketOf(role);
        const pongs = socket.frames.filter((f) => f.type === "pong").length;
        socket.send({ type: "ping" });
        await expect
          .poll(() => socket.frames.filter((f) => f.type === "pong").length, { timeout: 10_000 })
          .toBeGreaterThan(pongs);
      }
      return { member: got("member"), nonMember: got("nonMember"), removed: got("removed") };
    }

    const path = `/v1/conversations/${conversationId}`;
    const inConversation = (frame: ServerFrame) =>
      "conversationId" in frame && frame.conversationId === conversationId;

    /** One row per route or frame: what each role gets back. */
    const requestRows: [string, (userId: string) => Promise<unknown>, Record<Role, unknown>][] = [
      [
        "POST /v1/push",
        (u) => push(u, "hi"),
        { member: "ok", nonMember: "forbidden", removed: "forbidden" },
      ],
      [
        "GET events",
        (u) => status("GET", `${path}/events`, u),
        { member: 200, nonMember: 403, removed: 403 },
      ],
      [
        "POST /v1/pull",
        async (u) => {
          const response = await t.call("POST", "/v1/pull", {
            userId: u,
            body: { cursors: { [conversationId]: 0 } },
          });
          const entry = (await response.json()).conversations[conversationId];
          return "error" in entry ? entry.error.code : "events";
        },
        { member: "events", nonMember: "forbidden", removed: "forbidden" },
      ],
      [
        "POST members",
        (u) => status("POST", `${path}/members`, u, { userId: "dave" }),
        { member: 200, nonMember: 403, removed: 403 },
      ],
      [
        "DELETE member",
        (u) => status("DELETE", `${path}/members/dave`, u),
        { member: 200, nonMember: 403, removed: 403 },
      ],
      [
        "POST read",
        (u) => status("POST", `${path}/read`, u, { seq: 1 }),
        { member: 200, nonMember: 403, removed: 403 },
      ],
      [
        "POST delivered",
        (u) => status("POST", `${path}/delivered`, u, { seq: 1 }),
        { member: 200, nonMember: 403, removed: 403 },
      ],
      [
        "GET /v1/conversations lists it",
        async (u) => {
          const response = await t.call("GET", "/v1/conversations", { userId: u });
          const { conversations } = await response.json();
          return conversations.some((c: { id: string }) => c.id === conversationId);
        },
        { member: true, nonMember: false, removed: false },
      ],
      [
        "GET /v1/presence of alice",
        async (u) => {
          const response = await t.call("GET", "/v1/presence?userIds=alice", { userId: u });
          return (await response.json()).presence.length;
        },
        { member: 1, nonMember: 0, removed: 0 },
      ],
    ];

    const frameRows: [string, unknown, Record<Role, unknown>][] = [
      [
        "typing frame",
        { type: "typing", conversationId },
        { member: "ok", nonMember: "forbidden", removed: "forbidden" },
      ],
      [
        "delivered frame",
        { type: "delivered", conversationId, seq: 1 },
        { member: "ok", nonMember: "forbidden", removed: "forbidden" },
      ],
    ];

    const fanoutRows: [string, () => Promise<unknown>, (frame: ServerFrame) => boolean][] = [
      ["notify", () => push("alice", "fanout"), (f) => f.type === "notify" && inConversation(f)],
      ["read", () => push("alice", "read fanout"), (f) => f.type === "read" && inConversation(f)],
      [
        "delivered",
        () => push("alice", "delivered fanout"),
        (f) => f.type === "delivered" && inConversation(f),
      ],
      [
        "typing",
        async () => socketOf("alice").send({ type: "typing", conversationId }),
        (f) => f.type === "typing" && inConversation(f),
      ],
      [
        "presence",
        async () => {
          const frank = await connect("frank");
          frank.close();
        },
        (f) => f.type === "presence" && f.userId === "frank",
      ],
    ];

    test("every route and frame by role", async () => {
      const actual: Record<string, Record<Role, unknown>> = {};
      const expected: Record<string, Record<Role, unknown>> = {};
      for (const [name, run, outcome] of requestRows) {
        expected[name] = outcome;
        actual[name] = {
          member: await run(userOf.member),
          nonMember: await run(userOf.nonMember),
          removed: await run(userOf.removed),
        };
      }
      for (const [name, frame, outcome] of frameRows) {
        expected[name] = outcome;
        actual[name] = {
          member: await frameOutcome("member", frame),
          nonMember: await frameOutcome("nonMember", frame),
          removed: await frameOutcome("removed", frame),
        };
      }
      for (const [name, trigger, matches] of fanoutRows) {
        expected[`${name} fanout received`] = { member: true, nonMember: false, removed: false };
        actual[`${name} fanout received`] = await receivers(trigger, matches);
      }

      expect(actual).toEqual(expected);
    });
  });
});
