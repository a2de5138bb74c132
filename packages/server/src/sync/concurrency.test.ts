import type { PullResponse, PushResponse } from "@syncline/protocol";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadConfig } from "../config.ts";
import { makeMessage } from "../testing/builders.ts";
import {
  isStoreUnavailable,
  startTestServer,
  storeKinds,
  type TestServer,
} from "../testing/harness.ts";

/** Widens the window between seq assignment and COMMIT, where ordering bugs hide. */
const jitterBeforeCommit = async () => {
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
};

/**
 * Rate limits lifted, because the readers pull as fast as they can and a
 * 429 would end the run without saying anything about ordering.
 */
const unlimitedSecurity = loadConfig({
  RATE_PULL_PER_S: "1000000",
  RATE_PULL_BURST: "1000000",
  RATE_PUSH_OPS_PER_S: "1000000",
  RATE_PUSH_BURST: "1000000",
}).security;

describe.each(storeKinds)("sequencing under concurrency on %s", (kind) => {
  describe.skipIf(isStoreUnavailable(kind))("", () => {
    let t: TestServer;
    let counter = 0;

    beforeAll(async () => {
      t = await startTestServer(kind, {
        testHooks: { beforeCommit: jitterBeforeCommit },
        config: { security: unlimitedSecurity },
      });
    });
    afterAll(async () => {
      await t.close();
    });

    async function createConversation(members: string[]): Promise<string> {
      const id = `q${++counter}`;
      const response = await t.call("POST", "/v1/conversations", {
        userId: "creator",
        body: { id, members },
      });
      expect(response.status).toBe(201);
      return id;
    }

    async function pull(id: string, after: number, userId: string): Promise<PullResponse> {
      const response = await t.call(
        "GET",
        `/v1/conversations/${id}/events?after=${after}&limit=1000`,
        { userId },
      );
      expect(response.status).toBe(200);
      return (await response.json()) as PullResponse;
    }

    test("writers and readers see a gap-free log", async () => {
      const writers = Array.from({ length: 16 }, (_, i) => `writer${i}`);
      const id = await createConversation([...writers, "reader"]);
      const acked = new Map<string, number>();
      let writing = true;
      let violations = 0;

      const write = async (userId: string) => {
        for (let round = 0; round < 8; round++) {
          const ops = Array.from({ length: 1 + (round % 3) }, () =>
            makeMessage(id, `${userId} ${round}`),
          );
          const response = await t.call("POST", "/v1/push", { userId, body: { ops } });
          expect(response.status).toBe(200);
          for (const result of ((await response.json()) as PushResponse).results) {
            if (result.status !== "ok") throw new Error(`push failed: ${result.code}`);
            acked.set(result.clientId, result.seq);
          }
        }
      };
      const read = async () => {
        let cursor = 0;
        while (writing || cursor < acked.size) {
          const page = await pull(id, cursor, "reader");
          page.events.forEach((event, i) => {
            if (event.seq !== cursor + 1 + i) violations++;
          });
          cursor = page.events.at(-1)?.seq ?? cursor;
        }
        return cursor;
      };

      const readers = [read(), read(), read()];
      await Promise.all(writers.map(write));
      writing = false;
      const cursors = await Promise.all(readers);

      const log = await pull(id, 0, "reader");
      const total = acked.size;
      expect(violations).toBe(0);
      expect(cursors).toEqual([total, total, total]);
      expect(log.events.map((event) => event.seq)).toEqual(
        Array.from({ length: total }, (_, i) => i + 1),
      );
      expect(new Set(log.events.map((event) => event.clientId)).size).toBe(total);
      for (const event of log.events) expect(acked.get(event.clientId)).toBe(event.seq);
    });

    test("20 concurrent pushes get seqs 1..20, 50 rounds", async () => {
      const users = Array.from({ length: 20 }, (_, i) => `user${i}`);
      const tokens = await Promise.all(users.map((user) => t.tokens.issue(user)));

      for (let round = 0; round < 50; round++) {
        const id = await createConversation(users);
        const responses = await Promise.all(
          tokens.map((token) =>
            fetch(`${t.url}/v1/push`, {
              method: "POST",
              headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
              body: JSON.stringify({ ops: [makeMessage(id, "race")] }),
            }),
          ),
        );

        expect(responses.map((response) => response.status)).toEqual(users.map(() => 200));
        const bodies = (await Promise.all(responses.map((r) => r.json()))) as PushResponse[];
        const seqs = bodies.map(({ results }) =>
          results[0]?.status === "ok" ? results[0].seq : 0,
        );
        expect(seqs.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      }
    });

    test("racing duplicates commit once", async () => {
      const id = await createConversation(["alice"]);
      const op = makeMessage(id, "same", "racing-duplicate-1");

      const responses = await Promise.all(
        Array.from({ length: 10 }, () =>
          t.call("POST", "/v1/push", { userId: "alice", body: { ops: [op] } }),
        ),
      );
      const results = await Promise.all(
        responses.map(async (response) => ((await response.json()) as PushResponse).results[0]),
      );

      expect(responses.every((response) => response.status === 200)).toBe(true);
      expect(results.every((result) => result?.status === "ok" && result.seq === 1)).toBe(true);
      expect(results.filter((result) => result?.status === "ok" && !result.duplicate)).toHaveLength(
        1,
      );
      expect((await pull(id, 0, "alice")).events).toHaveLength(1);
    });
  });
});
