import type { PushResult } from "@syncline/protocol";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openStore } from "../store/open-store.ts";
import type { Store } from "../store/store.ts";
import { makeMessage } from "../testing/builders.ts";
import { isStoreUnavailable, makeStoreConfig, storeKinds } from "../testing/harness.ts";
import { createConversation } from "./conversations.ts";
import { GroupCommitter } from "./group-commit.ts";
import { pushOps } from "./push.ts";
import type { Commit } from "./push-batch.ts";

/** Wraps a store so the test can count its transactions. */
function countTransactions(store: Store): { store: Store; count(): number } {
  let transactions = 0;
  const counted: Store = {
    ...store,
    query: store.query,
    transaction(work) {
      transactions++;
      return store.transaction(work);
    },
  };
  return { store: counted, count: () => transactions };
}

function okSeq(result: PushResult | undefined): number {
  if (result?.status !== "ok") throw new Error(`push failed: ${JSON.stringify(result)}`);
  return result.seq;
}

describe.each(storeKinds)("group commit on %s", (kind) => {
  describe.skipIf(isStoreUnavailable(kind))("", () => {
    let store: Store;
    let drop: () => Promise<void>;
    let counter = 0;

    beforeAll(async () => {
      const made = await makeStoreConfig(kind);
      drop = made.drop;
      store = await openStore(made.config);
    });
    afterAll(async () => {
      await store?.close();
      await drop?.();
    });

    async function newConversation(members: string[]): Promise<string> {
      const id = `g${++counter}`;
      await createConversation(store, members[0] ?? "creator", { id, members });
      return id;
    }

    async function storedSeqs(id: string): Promise<Map<string, number>> {
      const rows = await store.query<{ client_id: string; seq: string | number }>(
        "SELECT client_id, seq FROM events WHERE conversation_id = $1 ORDER BY seq",
        [id],
      );
      return new Map(rows.map((row) => [row.client_id, Number(row.seq)]));
    }

    test("concurrent pushes share transactions", async () => {
      const users = Array.from({ length: 40 }, (_, i) => `user${i}`);
      const id = await newConversation(users);
      const counted = countTransactions(store);
      const published: Commit[] = [];
      const committer = new GroupCommitter({
        store: counted.store,
        maxBatchOps: 1000,
        onCommit: (commits) => published.push(...commits),
      });

      const outcomes = await Promise.all(
        users.map((user) => pushOps({ store, committer }, user, [makeMessage(id, `from ${user}`)])),
      );

      const seqs = outcomes.map((outcome) => okSeq(outcome.results[0]));
      expect(seqs.toSorted((a, b) => a - b)).toEqual(users.map((_, i) => i + 1));
      expect(counted.count()).toBeLessThan(users.length / 2);
      const fannedOut = published.flatMap((commit) => commit.events.map((event) => event.seq));
      expect(fannedOut).toEqual(users.map((_, i) => i + 1));
      const stored = await storedSeqs(id);
      for (const outcome of outcomes) {
        const result = outcome.results[0];
        expect(stored.get(result?.clientId ?? "")).toBe(okSeq(result));
      }
    });

    test("many pushers into many conversations", async () => {
      const users = ["ann", "bob", "cat", "dan"];
      const ids = await Promise.all(Array.from({ length: 6 }, () => newConversation(users)));
      const committer = new GroupCommitter({ store, maxBatchOps: 7 });

      const pushes = [];
      for (let round = 0; round < 5; round++) {
        for (const user of users) {
          const ops = ids.map((id) => makeMessage(id, `${user} ${round}`));
          pushes.push(pushOps({ store, committer }, user, ops));
        }
      }
      const outcomes = await Promise.all(pushes);

      for (const id of ids) {
        const stored = await storedSeqs(id);
        expect([...stored.values()]).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      }
      for (const outcome of outcomes) {
        for (const [index, result] of outcome.results.entries()) {
          expect(result.status).toBe("ok");
          const stored = await storedSeqs(ids[index] as string);
          expect(stored.get(result.clientId)).toBe(okSeq(result));
        }
      }
    });

    test("concurrent batches keep each conversation in order", async () => {
      const users = Array.from({ length: 8 }, (_, i) => `writer${i}`);
      const ids = await Promise.all(Array.from({ length: 12 }, () => newConversation(users)));
      let open = 0;
      let maxOpen = 0;
      const watched: Store = {
        ...store,
        async transaction(work) {
          maxOpen = Math.max(maxOpen, ++open);
          try {
            return await store.transaction(work);
          } finally {
            open--;
          }
        },
      };
      const published: Commit[] = [];
      const committer = new GroupCommitter({
        store: watched,
        maxBatchOps: 4,
        maxConcurrentBatches: 4,
        onCommit: (commits) => published.push(...commits),
      });

      const targets: string[] = [];
      const pushes = [];
      for (let round = 0; round < 4; round++) {
        for (const [i, user] of users.entries()) {
          const id = ids[(round * users.length + i) % ids.length] as string;
          targets.push(id);
          pushes.push(pushOps({ store, committer }, user, [makeMessage(id, `${user} ${round}`)]));
        }
      }
      const outcomes = await Promise.all(pushes);

      if (kind === "postgres") expect(maxOpen).toBeGreaterThan(1);
      for (const id of ids) {
        const stored = await storedSeqs(id);
        const expected = Array.from({ length: stored.size }, (_, i) => i + 1);
        expect([...stored.values()]).toEqual(expected);
        const fannedOut = published
          .filter((commit) => commit.conversationId === id)
          .flatMap((commit) => commit.events.map((event) => event.seq));
        expect(fannedOut).toEqual(expected);
      }
      for (const [i, outcome] of outcomes.entries()) {
        const result = outcome.results[0];
        const stored = await storedSeqs(targets[i] as string);
        expect(stored.get(result?.clientId ?? "")).toBe(okSeq(result));
      }
    });

    test("push of only invalid ops opens no transaction", async () => {
      const counted = countTransactions(store);
      const committer = new GroupCommitter({ store: counted.store, maxBatchOps: 1000 });

      const outcome = await pushOps({ store: counted.store, committer }, "ann", [
        { clientId: "bad-op-0001", conversationId: "g1", type: "message", body: {} },
      ]);

      expect(outcome.results[0]).toMatchObject({ status: "error", code: "invalid_request" });
      expect(counted.count()).toBe(0);
    });

    test("duplicates in one batch commit once", async () => {
      const id = await newConversation(["alice", "bob"]);
      const committer = new GroupCommitter({ store, maxBatchOps: 1000 });
      const op = makeMessage(id, "same", `duplicate-${id}`);
      const conflicting = { ...op, body: { text: "different" } };

      const [first, second, third] = await Promise.all([
        pushOps({ store, committer }, "alice", [op]),
        pushOps({ store, committer }, "alice", [op]),
        pushOps({ store, committer }, "bob", [conflicting]),
      ]);

      expect(first?.results[0]).toMatchObject({ status: "ok", seq: 1, duplicate: false });
      expect(second?.results[0]).toMatchObject({ status: "ok", seq: 1, duplicate: true });
      expect(third?.results[0]).toMatchObject({ status: "error", code: "conflict" });
      expect((await storedSeqs(id)).size).toBe(1);
    });

    test("op that breaks the batch fails only its caller", async () => {
      const id = await newConversation(["alice", "bob", "carol"]);
      const poisoned = await newConversation(["bob"]);
      // Stands for an op that the database rejects, failing its whole transaction.
      const committer = new GroupCommitter({
        store,
        maxBatchOps: 1000,
        beforeCommit: async ({ conversationIds }) => {
          if (conversationIds.includes(poisoned)) throw new Error("rejected by the database");
        },
      });

      const settled = await Promise.allSettled([
        pushOps({ store, committer }, "alice", [makeMessage(id, "one")]),
        pushOps({ store, committer }, "bob", [makeMessage(poisoned, "bad")]),
        pushOps({ store, committer }, "carol", [makeMessage(id, "two")]),
      ]);

      expect(settled.map((outcome) => outcome.status)).toEqual([
        "fulfilled",
        "rejected",
        "fulfilled",
      ]);
      expect([...(await storedSeqs(id)).values()]).toEqual([1, 2]);
      expect((await storedSeqs(poisoned)).size).toBe(0);
    });

    test("retries a batch after a serialization failure", async () => {
      const id = await newConversation(["alice", "bob"]);
      let failures = 1;
      const committer = new GroupCommitter({
        store,
        maxBatchOps: 1000,
        beforeCommit: async () => {
          if (failures-- > 0) throw Object.assign(new Error("injected"), { code: "40001" });
        },
      });

      const outcomes = await Promise.all([
        pushOps({ store, committer }, "alice", [makeMessage(id, "a")]),
        pushOps({ store, committer }, "bob", [makeMessage(id, "b")]),
      ]);

      const seqs = outcomes.map((outcome) => okSeq(outcome.results[0]));
      expect(seqs.toSorted()).toEqual([1, 2]);
      expect([...(await storedSeqs(id)).values()]).toEqual([1, 2]);
    });
  });
});
