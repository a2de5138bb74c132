import type { ConnectionStatus, SynclineClient } from "@syncline/client-sdk";
import { afterEach, describe, expect, test, vi } from "vitest";
import { createCleanups, startChat, waitLong } from "./support/chat-clients.ts";
import { storeKinds } from "./support/server-harness.ts";

const cleanups = createCleanups();

// Each test starts a server and two clients and waits for typing indicators to expire.
vi.setConfig({ testTimeout: 60_000 });

afterEach(() => cleanups.run());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the client's socket is ready, so a typing frame sent now is relayed. */
async function waitOnline(client: SynclineClient): Promise<void> {
  let status: ConnectionStatus | undefined;
  const unsubscribe = client.subscribeStatus((next) => {
    status = next;
  });
  try {
    await vi.waitFor(() => expect(status).toBe("online"), waitLong);
  } finally {
    unsubscribe();
  }
}

/** Records every typing list a client shows for c1, with the time it changed. */
function watchTyping(client: SynclineClient) {
  const seen: Array<{ atMs: number; userIds: string[] }> = [];
  client.subscribeTyping("c1", (userIds) => seen.push({ atMs: Date.now(), userIds }));
  return {
    seen,
    current: () => seen.at(-1)?.userIds,
    /** The time the list last became empty, or undefined while someone types. */
    clearedAtMs: () => (seen.at(-1)?.userIds.length === 0 ? seen.at(-1)?.atMs : undefined),
  };
}

describe.each(storeKinds)("SDK typing on $kind", ({ kind, skip }) => {
  test.skipIf(skip)("pulled message clears typing (I15)", async () => {
    // No notify carries events and indicators last a minute, so only the pulled message clears it.
    const env = { NOTIFY_INLINE_MAX_MEMBERS: "0", TYPING_TTL_MS: "60000" };
    const { alice, bob } = await startChat(kind, cleanups, ["bob"], { env });
    const typing = watchTyping(alice);
    await Promise.all([waitOnline(alice), waitOnline(bob)]);

    await vi.waitFor(() => {
      bob.setTyping("c1");
      expect(typing.current()).toEqual(["bob"]);
    }, waitLong);
    await bob.send("c1", "done typing");

    await vi.waitFor(async () => {
      expect((await alice.getMessages("c1")).map((message) => message.text)).toEqual([
        "done typing",
      ]);
    }, waitLong);
    await vi.waitFor(() => expect(typing.current()).toEqual([]), { timeout: 5_000 });
    // `send` cancelled bob's trailing typing frame, so the indicator does not come back.
    await sleep(2_500);
    expect(typing.current()).toEqual([]);
  });

  test.skipIf(skip)("typing stays up while keystrokes continue (I24)", async () => {
    const typingTtlMs = 3_000;
    const env = { TYPING_TTL_MS: String(typingTtlMs) };
    const { alice, bob } = await startChat(kind, cleanups, ["bob"], { env });
    const typing = watchTyping(alice);
    await Promise.all([waitOnline(alice), waitOnline(bob)]);

    const startMs = Date.now();
    bob.setTyping("c1");
    await vi.waitFor(() => expect(typing.current()).toEqual(["bob"]), waitLong);
    await sleep(startMs + 1_000 - Date.now());
    // This keystroke falls in the 2 s throttle window, so it is sent as a trailing frame at 2 s.
    bob.setTyping("c1");
    await sleep(startMs + typingTtlMs + 700 - Date.now());

    expect(typing.current()).toEqual(["bob"]);
    expect(typing.seen.map((entry) => entry.userIds)).toEqual([[], ["bob"]]);
    await vi.waitFor(() => expect(typing.current()).toEqual([]), waitLong);
    const shownMs = (typing.clearedAtMs() ?? Number.NaN) - startMs;
    // The trailing frame at 2 s lasts the 3 s TTL, plus slack for a loaded machine.
    expect(shownMs).toBeGreaterThanOrEqual(2_000 + typingTtlMs - 300);
    expect(shownMs).toBeLessThan(2_000 + typingTtlMs + 1_500);
  });

  test.skipIf(skip)("setTyping false cancels the trailing frame (I24)", async () => {
    const typingTtlMs = 3_000;
    const env = { TYPING_TTL_MS: String(typingTtlMs) };
    const { alice, bob } = await startChat(kind, cleanups, ["bob"], { env });
    const typing = watchTyping(alice);
    await Promise.all([waitOnline(alice), waitOnline(bob)]);

    const startMs = Date.now();
    bob.setTyping("c1");
    await vi.waitFor(() => expect(typing.current()).toEqual(["bob"]), waitLong);
    bob.setTyping("c1");
    bob.setTyping("c1", false);

    await vi.waitFor(() => expect(typing.current()).toEqual([]), waitLong);
    const shownMs = (typing.clearedAtMs() ?? Number.NaN) - startMs;
    // Only the first frame went out, because a trailing one at 2 s would keep it up for 5 s.
    expect(shownMs).toBeLessThan(2_000 + typingTtlMs - 500);
    await sleep(1_000);
    expect(typing.seen.map((entry) => entry.userIds)).toEqual([[], ["bob"], []]);
  });
});
