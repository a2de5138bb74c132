import { afterEach, describe, expect, test, vi } from "vitest";
import { createCleanups, startChat, waitLong } from "./support/chat-clients.ts";
import { storeKinds, summaryOf } from "./support/server-harness.ts";

const cleanups = createCleanups();

// Each test starts a server and two or three clients, which is slow on a shared machine.
vi.setConfig({ testTimeout: 60_000 });

afterEach(() => cleanups.run());

describe.each(storeKinds)("SDK typing and membership on $kind", ({ kind, skip }) => {
  test.skipIf(skip)("typing clears when the message arrives (I15)", async () => {
    const { alice, bob } = await startChat(kind, cleanups);
    const typing: string[][] = [];
    alice.subscribeTyping("c1", (userIds) => typing.push(userIds));
    await vi.waitFor(async () => {
      expect((await summaryOf(bob, "c1"))?.members).toContain("alice");
    }, waitLong);

    await vi.waitFor(() => {
      bob.setTyping("c1");
      expect(typing.at(-1)).toEqual(["bob"]);
    }, waitLong);
    await bob.send("c1", "done typing");

    await vi.waitFor(() => expect(typing.at(-1)).toEqual([]), waitLong);
  });

  test.skipIf(skip)("member changes apply in log order (I18)", async () => {
    const { alice, bob } = await startChat(kind, cleanups);

    await alice.addMember("c1", "carol");
    await alice.send("c1", "hello carol");
    await alice.removeMember("c1", "carol");

    await vi.waitFor(async () => {
      const messages = await bob.getMessages("c1");
      expect(messages.map((message) => message.text)).toEqual(["hello carol"]);
      expect((await summaryOf(bob, "c1"))?.members.sort()).toEqual(["alice", "bob"]);
    }, waitLong);
    await vi.waitFor(async () => {
      expect((await summaryOf(alice, "c1"))?.members.sort()).toEqual(["alice", "bob"]);
    }, waitLong);
  });
});
