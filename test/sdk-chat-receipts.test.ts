import { createClient } from "@syncline/client-sdk";
import { afterEach, describe, expect, test, vi } from "vitest";
import { createCleanups, startChat, waitForMessage, waitLong } from "./support/chat-clients.ts";
import { sdkOptions, storeKinds, summaryOf } from "./support/server-harness.ts";
import { startTcpProxy } from "./support/tcp-proxy.ts";

const cleanups = createCleanups();

// Each test starts a server and two or three clients, which is slow on a shared machine.
vi.setConfig({ testTimeout: 60_000 });

afterEach(() => cleanups.run());

describe.each(storeKinds)("SDK receipts on $kind", ({ kind, skip }) => {
  test.skipIf(skip)("markRead clears unread and shows read to the sender", async () => {
    const { alice, bob } = await startChat(kind, cleanups);
    await alice.send("c1", "one");
    await alice.send("c1", "two");
    await vi.waitFor(
      async () => expect((await summaryOf(bob, "c1"))?.unreadCount).toBe(2),
      waitLong,
    );

    await bob.markRead("c1", 2);

    expect((await summaryOf(bob, "c1"))?.unreadCount).toBe(0);
    await waitForMessage(alice, 2, (message) => {
      expect(message).toMatchObject({ state: "read", readCount: 1, deliveredCount: 1 });
    });
  });

  test.skipIf(skip)("read position never moves back (I12)", async () => {
    const { alice, bob } = await startChat(kind, cleanups);
    await alice.send("c1", "one");
    await alice.send("c1", "two");
    await vi.waitFor(async () => expect((await summaryOf(bob, "c1"))?.latestSeq).toBe(2), waitLong);

    await bob.markRead("c1", 2);
    await bob.markRead("c1", 1);
    await waitForMessage(alice, 2, (message) => expect(message.state).toBe("read"));
    await alice.sync();

    expect((await alice.getMessages("c1")).map((message) => message.state)).toEqual([
      "read",
      "read",
    ]);
    expect((await summaryOf(bob, "c1"))?.unreadCount).toBe(0);
  });

  test.skipIf(skip)("markRead made offline is sent after reconnect (I19)", async () => {
    const { server, alice } = await startChat(kind, cleanups);
    const proxy = await startTcpProxy(server.port);
    cleanups.add(() => proxy.close());
    const bob = createClient(sdkOptions(proxy.url, "bob", { databaseName: "bob-proxied" }));
    cleanups.add(() => bob.close());
    await alice.send("c1", "while bob is away");
    await vi.waitFor(
      async () => expect((await summaryOf(bob, "c1"))?.unreadCount).toBe(1),
      waitLong,
    );
    proxy.setOffline(true);

    await bob.markRead("c1", 1);
    expect((await summaryOf(bob, "c1"))?.unreadCount).toBe(0);
    proxy.setOffline(false);

    await waitForMessage(alice, 1, (message) => expect(message.state).toBe("read"));
  });
});
