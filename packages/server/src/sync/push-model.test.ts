import type { PushResponse, PushResult } from "@syncline/protocol";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { loadConfig } from "../config.ts";
import {
  findLogViolations,
  notifiedEvents,
  readEvents,
  readLastSeqs,
} from "../testing/event-log.ts";
import { fuzzParameters } from "../testing/fuzz.ts";
import {
  isStoreUnavailable,
  startTestServer,
  storeKinds,
  type TestServer,
} from "../testing/harness.ts";
import { type ExpectedResult, type ModelOp, PushModel } from "../testing/push-model.ts";
import { openReadySocket, type TestSocket } from "../testing/socket-client.ts";

/** Lifted so that a burst of pushes from one user is never rejected with 429. */
const unlimitedSecurity = loadConfig({
  RATE_PUSH_OPS_PER_S: "1000000",
  RATE_PUSH_BURST: "1000000",
}).security;

const users = ["u0", "u1", "u2", "u3"];
/** Members of each conversation a run creates; `u0` is in all, so its socket receives every commit. */
const membersByName: Record<string, string[]> = {
  ca: ["u0", "u1", "u2"],
  cb: ["u0", "u1", "u3"],
  cc: users,
};
/** A conversation name that no run creates. */
const missingName = "cx";
const clientIds = ["client-0", "client-1", "client-2", "client-3", "client-4"];

/** One generated push: its sender and ops, with conversation names instead of ids. */
interface PushPlan {
  senderId: string;
  ops: ModelOp[];
}

const opArbitrary: fc.Arbitrary<ModelOp> = fc
  .record({
    clientId: fc.constantFrom(...clientIds),
    conversationId: fc.constantFrom("ca", "ca", "cb", "cc", missingName),
    kind: fc.constantFrom(
      "message",
      "message",
      "message",
      "message.edit",
      "message.delete",
      "reaction.add",
      "reaction.remove",
    ),
    text: fc.constantFrom("a", "b"),
    targetSeq: fc.integer({ min: 1, max: 6 }),
    emoji: fc.constantFrom("\u{1F44D}", "\u{1F389}"),
  })
  .map(({ clientId, conversationId, kind, text, targetSeq, emoji }): ModelOp => {
    const type = kind as ModelOp["type"];
    const body =
      type === "message"
        ? { text }
        : type === "message.edit"
          ? { targetSeq, text }
          : type === "message.delete"
            ? { targetSeq }
            : { targetSeq, emoji };
    return { clientId, conversationId, type, body };
  });

const pushArbitrary: fc.Arbitrary<PushPlan> = fc.record({
  senderId: fc.constantFrom(...users),
  ops: fc.array(opArbitrary, { minLength: 1, maxLength: 6 }),
});

/** Rounds of pushes; the pushes of a round are sent at once. */
const roundsArbitrary = fc.array(fc.array(pushArbitrary, { minLength: 2, maxLength: 6 }), {
  minLength: 1,
  maxLength: 3,
});

function message(conversationId: string, clientId: string, text = "a"): ModelOp {
  return { clientId, conversationId, type: "message", body: { text } };
}

function targeting(
  type: Exclude<ModelOp["type"], "message">,
  conversationId: string,
  clientId: string,
  targetSeq: number,
): ModelOp {
  const body =
    type === "message.edit"
      ? { targetSeq, text: "b" }
      : type === "message.delete"
        ? { targetSeq }
        : { targetSeq, emoji: "\u{1F44D}" };
  return { clientId, conversationId, type, body };
}

/**
 * Cases that random rounds rarely reach, each run first. In every round the
 * first push is held alone and the others are written as one batch.
 */
const examples: [PushPlan[][]][] = [
  // A message deleted by an earlier push of the batch takes no reaction, edit or delete.
  [
    [
      [{ senderId: "u0", ops: [message("ca", "client-0")] }],
      [
        { senderId: "u1", ops: [message("cb", "client-1")] },
        { senderId: "u0", ops: [targeting("message.delete", "ca", "client-2", 1)] },
        { senderId: "u1", ops: [targeting("reaction.add", "ca", "client-3", 1)] },
        { senderId: "u0", ops: [targeting("message.edit", "ca", "client-4", 1)] },
        { senderId: "u0", ops: [targeting("message.delete", "ca", "client-5", 1)] },
      ],
    ],
  ],
  // Seq 1 of two conversations, sent by different users: each target resolves in its own.
  [
    [
      [
        { senderId: "u1", ops: [message("ca", "client-0")] },
        { senderId: "u3", ops: [message("cb", "client-0")] },
      ],
      [
        { senderId: "u2", ops: [message("cc", "client-9")] },
        {
          senderId: "u1",
          ops: [
            targeting("message.edit", "cb", "client-1", 1),
            targeting("message.edit", "ca", "client-1", 1),
          ],
        },
        { senderId: "u3", ops: [targeting("message.delete", "cb", "client-2", 1)] },
        {
          senderId: "u1",
          ops: [
            targeting("reaction.add", "cb", "client-3", 1),
            targeting("reaction.add", "ca", "client-3", 1),
          ],
        },
      ],
    ],
  ],
  // Targets written earlier in the same batch, by the same and by another sender.
  [
    [
      [
        { senderId: "u2", ops: [message("cc", "client-9")] },
        { senderId: "u1", ops: [message("ca", "client-0")] },
        { senderId: "u2", ops: [targeting("message.edit", "ca", "client-1", 1)] },
        { senderId: "u1", ops: [targeting("message.edit", "ca", "client-2", 1)] },
        { senderId: "u2", ops: [targeting("reaction.add", "ca", "client-3", 2)] },
        { senderId: "u2", ops: [targeting("reaction.add", "ca", "client-4", 1)] },
      ],
    ],
  ],
  // A committed reaction repeated after its target was deleted is still a duplicate.
  [
    [
      [{ senderId: "u0", ops: [message("ca", "client-0")] }],
      [{ senderId: "u1", ops: [targeting("reaction.add", "ca", "client-1", 1)] }],
      [
        { senderId: "u2", ops: [message("cc", "client-9")] },
        { senderId: "u0", ops: [targeting("message.delete", "ca", "client-2", 1)] },
        { senderId: "u1", ops: [targeting("reaction.add", "ca", "client-1", 1)] },
      ],
    ],
  ],
  // One client id in three conversations, repeated by its sender and reused by another.
  [
    [
      [
        { senderId: "u3", ops: [message("cc", "client-9")] },
        { senderId: "u1", ops: [message("ca", "client-0"), message("cb", "client-0")] },
        { senderId: "u1", ops: [message("ca", "client-0"), message("cc", "client-0")] },
        { senderId: "u0", ops: [message("ca", "client-0"), message("cx", "client-0")] },
        { senderId: "u3", ops: [message("ca", "client-1"), message("cb", "client-0", "b")] },
      ],
    ],
  ],
];

function toExpected(result: PushResult): ExpectedResult {
  if (result.status === "ok") {
    return { status: "ok", seq: result.seq, duplicate: result.duplicate };
  }
  return result.field === undefined
    ? { status: "error", code: result.code }
    : { status: "error", code: result.code, field: result.field };
}

describe.each(storeKinds)("push batches against a sequential model on %s", (kind) => {
  describe.skipIf(isStoreUnavailable(kind))("", () => {
    let t: TestServer;
    let socket: TestSocket;
    /** While set, a batch that writes to the gate conversation waits for it before COMMIT. */
    let hold: Promise<void> | undefined;
    let hookEntered: (() => void) | undefined;

    beforeAll(async () => {
      t = await startTestServer(kind, {
        testHooks: {
          beforeCommit: async () => {
            const waiting = hold;
            if (waiting === undefined) return;
            hookEntered?.();
            await waiting;
          },
        },
        config: { security: unlimitedSecurity },
      });
      socket = await openReadySocket(t.url, await t.tokens.issue("u0"));
    });
    afterAll(async () => {
      socket?.close();
      await t?.close();
    });

    let runCounter = 0;

    async function createConversations(prefix: string): Promise<Map<string, string>> {
      const ids = new Map<string, string>([[missingName, `${prefix}-${missingName}`]]);
      for (const [name, members] of Object.entries({ ...membersByName, gate: users })) {
        const id = `${prefix}-${name}`;
        const response = await t.call("POST", "/v1/conversations", {
          userId: "u0",
          body: { id, members: members.filter((member) => member !== "u0") },
        });
        expect(response.status).toBe(201);
        ids.set(name, id);
      }
      return ids;
    }

    async function sendPush(senderId: string, ops: readonly ModelOp[]): Promise<PushResult[]> {
      const response = await t.call("POST", "/v1/push", { userId: senderId, body: { ops } });
      expect(response.status).toBe(200);
      return ((await response.json()) as PushResponse).results;
    }

    /**
     * Sends one round: the first push is held before COMMIT while the
     * others queue behind it, so they are written as one batch. Every push
     * leads with a message to the gate conversation, so the gate seqs give
     * the order in which the pushes were committed.
     */
    async function sendRound(
      round: readonly { senderId: string; ops: ModelOp[] }[],
    ): Promise<{ senderId: string; ops: ModelOp[]; results: PushResult[] }[]> {
      let release = () => {};
      hold = new Promise((resolve) => {
        release = resolve;
      });
      const entered = new Promise<void>((resolve) => {
        hookEntered = resolve;
      });
      const [first, ...rest] = round;
      if (first === undefined) return [];
      const firstSent = sendPush(first.senderId, first.ops);
      // A first push that fails before COMMIT never enters the hook.
      await Promise.race([entered, firstSent]);
      hold = undefined;
      const restSent = rest.map((push) => sendPush(push.senderId, push.ops));
      await new Promise((resolve) => setTimeout(resolve, 40));
      release();
      const results = await Promise.all([firstSent, ...restSent]);
      return round.map((push, position) => ({ ...push, results: results[position] ?? [] }));
    }

    async function checkRun(rounds: PushPlan[][]): Promise<void> {
      const prefix = `${kind}-run${++runCounter}`;
      const ids = await createConversations(prefix);
      const gateId = ids.get("gate") as string;
      const model = new PushModel();
      for (const [name, members] of Object.entries({ ...membersByName, gate: users })) {
        model.addConversation(ids.get(name) as string, members);
      }

      for (const [roundIndex, round] of rounds.entries()) {
        const pushes = round.map((plan, position) => ({
          senderId: plan.senderId,
          ops: [
            {
              clientId: `gate-op-${roundIndex}-${position}`,
              conversationId: gateId,
              type: "message" as const,
              body: { text: "gate" },
            },
            ...plan.ops.map((op) => ({
              ...op,
              conversationId: ids.get(op.conversationId) as string,
            })),
          ],
        }));
        const sent = await sendRound(pushes);
        const gateSeq = (entry: (typeof sent)[number]) => {
          const result = entry.results[0];
          return result?.status === "ok" ? result.seq : Number.POSITIVE_INFINITY;
        };
        sent.sort((first, second) => gateSeq(first) - gateSeq(second));
        for (const entry of sent) {
          expect(entry.results.map(toExpected)).toEqual(model.push(entry.senderId, entry.ops));
        }
      }

      const conversationIds = [...ids.values()];
      const stored = await readEvents(t.store, conversationIds);
      const lastSeqs = await readLastSeqs(t.store, conversationIds);
      for (const id of conversationIds) {
        const expected = model.eventsOf(id);
        const events = stored.get(id) ?? [];
        const strip = events.map(({ seq, clientId, senderId, type, body }) => ({
          seq,
          clientId,
          senderId,
          type,
          body,
        }));
        expect(strip).toEqual(expected);
        expect(findLogViolations(events)).toEqual([]);
        if (id !== ids.get(missingName)) expect(lastSeqs.get(id)).toBe(expected.length);

        // The socket of u0, a member of every conversation, gets each event once, in seq order.
        await vi.waitFor(() => {
          expect(notifiedEvents(socket.frames, id).events).toHaveLength(events.length);
        });
        expect(notifiedEvents(socket.frames, id).events).toEqual(events);
      }
    }

    test("results and log equal the model", async () => {
      await fc.assert(fc.asyncProperty(roundsArbitrary, checkRun), {
        ...fuzzParameters(6),
        examples,
      });
    }, 60_000);
  });
});
