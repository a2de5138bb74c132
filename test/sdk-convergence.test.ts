import { createClient, type Message, type SynclineClient } from "@syncline/client-sdk";
import { afterEach, describe, expect, test, vi } from "vitest";
import { sdkOptions, startTestServer, storeKinds } from "./support/server-harness.ts";

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function open(baseUrl: string, userId: string) {
  const client = createClient(sdkOptions(baseUrl, userId));
  cleanups.push(() => client.close());
  return client;
}

const count = 1000;

async function sentMessages(client: SynclineClient): Promise<Message[]> {
  const messages = await client.getMessages("c1");
  return messages.filter((message) => message.seq !== null && message.state !== "failed");
}

/** The parts of a message both members see alike; receipt states are per viewer. */
function shared(messages: readonly Message[]) {
  return messages.map(({ clientId, senderId, text, seq, createdAt }) => ({
    clientId,
    senderId,
    text,
    seq,
    createdAt,
  }));
}

describe.each(storeKinds)("SDK convergence on $kind", ({ kind, skip }) => {
  test.skipIf(skip)(
    "two clients exchange 1000 messages",
    async () => {
      const server = await startTestServer(kind);
      cleanups.push(() => server.close());
      const alice = open(server.url, "alice");
      const bob = open(server.url, "bob");
      await alice.createConversation({ id: "c1", members: ["bob"] });

      for (let i = 0; i < count; i++) {
        const sender = i % 2 === 0 ? alice : bob;
        await sender.send("c1", `${sender.userId} ${i}`);
      }

      const wait = { timeout: 60_000, interval: 200 };
      await vi.waitFor(async () => expect(await sentMessages(alice)).toHaveLength(count), wait);
      await vi.waitFor(async () => expect(await sentMessages(bob)).toHaveLength(count), wait);
      const aliceLog = await alice.getMessages("c1");
      const bobLog = await bob.getMessages("c1");
      expect(shared(bobLog)).toEqual(shared(aliceLog));
      expect(aliceLog.map((message) => message.seq)).toEqual(
        Array.from({ length: count }, (_, i) => i + 1),
      );
      expect(new Set(aliceLog.map((message) => message.clientId)).size).toBe(count);
      expect(new Set(aliceLog.map((message) => message.text)).size).toBe(count);
      for (const userId of ["alice", "bob"]) {
        const own = aliceLog.filter((message) => message.senderId === userId);
        const numbers = own.map((message) => Number(message.text.split(" ")[1]));
        expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
      }
    },
    120_000,
  );
});
