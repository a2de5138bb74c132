import { createClient } from "@syncline/client-sdk";
import { afterEach, describe, expect, test, vi } from "vitest";
import { createCleanups, startChat, waitForMessage } from "./support/chat-clients.ts";
import { sdkOptions, storeKinds } from "./support/server-harness.ts";

const cleanups = createCleanups();

// Each test starts a server and two or three clients, which is slow on a shared machine.
vi.setConfig({ testTimeout: 60_000 });

afterEach(() => cleanups.run());

describe.each(storeKinds)("SDK edits and reactions on $kind", ({ kind, skip }) => {
  test.skipIf(skip)("edit, reactions and delete reach the other member", async () => {
    const { alice, bob } = await startChat(kind, cleanups);
    await alice.send("c1", "helo");
    await waitForMessage(bob, 1, (message) => expect(message.text).toBe("helo"));

    await alice.edit("c1", 1, "hello");
    await bob.react("c1", 1, "👍");
    await alice.react("c1", 1, "👍");
    await bob.react("c1", 1, "🎉");
    await bob.unreact("c1", 1, "🎉");

    const seenByBob = await waitForMessage(bob, 1, (message) => {
      expect(message.text).toBe("hello");
      expect(message.pendingOps).toEqual([]);
      expect(message.reactions).toEqual([{ emoji: "👍", count: 2, reactedByMe: true }]);
    });
    expect(seenByBob.editedAt).not.toBeNull();
    await waitForMessage(alice, 1, (message) => {
      expect(message.text).toBe("hello");
      expect(message.reactions).toEqual([{ emoji: "👍", count: 2, reactedByMe: true }]);
    });

    await alice.delete("c1", 1);

    await waitForMessage(bob, 1, (message) => {
      expect(message).toMatchObject({ deleted: true, text: "", reactions: [] });
    });
  });

  test.skipIf(skip)("server rejection marks the edit failed (I7)", async () => {
    const { server, alice } = await startChat(kind, cleanups);
    await alice.send("c1", "alice's words");
    await waitForMessage(alice, 1, (message) => expect(message.seq).toBe(1));
    let pullBlocked = true;
    const blockingFetch: typeof fetch = (input, init) =>
      pullBlocked && String(input).endsWith("/v1/pull")
        ? Promise.reject(new TypeError("fetch failed"))
        : fetch(input, init);
    // A second device of bob that has not stored seq 1, so only the server can check the edit.
    const bob = createClient(
      sdkOptions(server.url, "bob", { fetch: blockingFetch, databaseName: "bob-second" }),
    );
    cleanups.add(() => bob.close());

    await bob.edit("c1", 1, "bob's words");
    pullBlocked = false;

    await waitForMessage(bob, 1, (message) => {
      expect(message.text).toBe("alice's words");
      expect(message.pendingOps).toEqual([
        expect.objectContaining({
          type: "message.edit",
          state: "failed",
          error: expect.objectContaining({ code: "forbidden" }),
        }),
      ]);
    });
  });

  test.skipIf(skip)("edit of a stored foreign message fails before queueing", async () => {
    const { alice, bob } = await startChat(kind, cleanups);
    await alice.send("c1", "alice's words");
    await waitForMessage(bob, 1, () => {});

    await expect(bob.edit("c1", 1, "bob's words")).rejects.toMatchObject({ code: "forbidden" });
  });
});
