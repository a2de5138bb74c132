import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import {
  type DemoServer,
  ensureDemoBuilt,
  hasChromium,
  launchChromium,
  saveScreenshot,
  sendFromPage,
  shownMessages,
  startDemoServer,
} from "../support/browser.ts";

const browserTestTimeoutMs = 120_000;
const waitLong = { timeout: 30_000, interval: 100 };

describe.skipIf(!hasChromium())("demo in Chromium", () => {
  let browser: Browser;
  let server: DemoServer;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    ensureDemoBuilt();
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    await server?.close();
  });

  /** Opens the demo as `userId` in a fresh browser context, at one conversation. */
  async function openAs(userId: string, conversationId: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${server.url}/#user=${userId}&conversation=${conversationId}`);
    await page.getByLabel("Message").waitFor();
    await vi.waitFor(
      async () => expect(await page.getAttribute(".status", "data-status")).toBe("online"),
      waitLong,
    );
    return page;
  }

  async function serverTexts(conversationId: string): Promise<string[]> {
    const events = await (await server.api("alice")).pullAll(conversationId);
    return events.map((event) => String(event.body.text));
  }

  test(
    "offline sends converge on both sides",
    async () => {
      server = await startDemoServer();
      await (await server.api("alice")).createConversation("general", ["bob"]);
      const alice = await openAs("alice", "general");
      const bob = await openAs("bob", "general");
      await sendFromPage(alice, "hi bob");
      await vi.waitFor(
        async () => expect(await shownMessages(bob)).toEqual([{ text: "hi bob", state: "sent" }]),
        waitLong,
      );

      await bob.context().setOffline(true);
      const offlineTexts = ["one", "two", "three", "four", "five"];
      for (const text of offlineTexts) await sendFromPage(bob, text);
      await vi.waitFor(async () => {
        const pending = (await shownMessages(bob)).filter(({ state }) => state === "pending");
        expect(pending.map(({ text }) => text)).toEqual(offlineTexts);
      }, waitLong);
      await bob.locator(".offline-banner").waitFor();
      await saveScreenshot(bob, "offline-pending");
      await bob.context().setOffline(false);
      await bob.locator(".offline-banner").waitFor({ state: "detached" });

      // Receipts may move a confirmed message on to delivered or read; all three have a seq.
      const confirmed = async (page: Page) =>
        (await shownMessages(page)).map(({ text, state }) => ({
          text,
          state: ["sent", "delivered", "read"].includes(state) ? "confirmed" : state,
        }));
      const expected = ["hi bob", ...offlineTexts].map((text) => ({ text, state: "confirmed" }));
      await vi.waitFor(async () => expect(await confirmed(bob)).toEqual(expected), waitLong);
      await vi.waitFor(async () => expect(await confirmed(alice)).toEqual(expected), waitLong);
      expect(await serverTexts("general")).toEqual(["hi bob", ...offlineTexts]);
      await saveScreenshot(alice, "conversation");
    },
    browserTestTimeoutMs,
  );

  test(
    "reload keeps pending messages",
    async () => {
      server = await startDemoServer();
      await (await server.api("alice")).createConversation("general", ["bob"]);
      const alice = await openAs("alice", "general");
      await alice.route("**/v1/push", (route) => route.abort("internetdisconnected"));
      const texts = ["first", "second", "third"];
      for (const text of texts) await sendFromPage(alice, text);
      await vi.waitFor(async () => expect(await shownMessages(alice)).toHaveLength(3), waitLong);

      await alice.reload();
      await alice.getByLabel("Message").waitFor();
      await vi.waitFor(async () => {
        const shown = await shownMessages(alice);
        expect(shown).toEqual(texts.map((text) => ({ text, state: "pending" })));
      }, waitLong);
      await alice.unroute("**/v1/push");

      const sent = texts.map((text) => ({ text, state: "sent" }));
      await vi.waitFor(async () => expect(await shownMessages(alice)).toEqual(sent), waitLong);
      expect(await serverTexts("general")).toEqual(texts);
    },
    browserTestTimeoutMs,
  );

  test(
    "page catches up after a server restart",
    async () => {
      server = await startDemoServer();
      const bobApi = await server.api("bob");
      await bobApi.createConversation("general", ["alice"]);
      const alice = await openAs("alice", "general");
      await bobApi.pushMessage("general", "bob-before-restart", "before restart");
      await vi.waitFor(async () => expect(await shownMessages(alice)).toHaveLength(1), waitLong);

      await server.stop();
      await vi.waitFor(
        async () => expect(await alice.getAttribute(".status", "data-status")).not.toBe("online"),
        waitLong,
      );
      await sendFromPage(alice, "sent while down");
      await server.start();
      await (await server.api("bob")).pushMessage("general", "bob-after-restart", "after restart");

      // Alice's push and Bob's race after the restart, so the server's order is the truth.
      const all = ["before restart", "after restart", "sent while down"];
      await vi.waitFor(async () => {
        const shown = await shownMessages(alice);
        expect(shown.map(({ text }) => text).sort()).toEqual([...all].sort());
        expect(shown.every(({ state }) => state === "sent")).toBe(true);
      }, waitLong);
      const onServer = await serverTexts("general");
      expect([...onServer].sort()).toEqual([...all].sort());
      expect((await shownMessages(alice)).map(({ text }) => text)).toEqual(onServer);
    },
    browserTestTimeoutMs,
  );

  test(
    "unopenable IndexedDB falls back to memory",
    async () => {
      server = await startDemoServer();
      await (await server.api("bob")).createConversation("general", ["alice"]);
      const context = await browser.newContext();
      contexts.push(context);
      // Stands in for engines whose indexedDB.open never settles: the request fires no event.
      await context.addInitScript(() => {
        IDBFactory.prototype.open = () => ({}) as IDBOpenDBRequest;
      });
      const page = await context.newPage();

      await page.goto(`${server.url}/#user=alice&conversation=general`);
      await page.locator(".storage-banner").waitFor({ timeout: 30_000 });
      await sendFromPage(page, "from memory");

      await vi.waitFor(async () => {
        expect(await shownMessages(page)).toEqual([{ text: "from memory", state: "sent" }]);
      }, waitLong);
      expect(await serverTexts("general")).toEqual(["from memory"]);
    },
    browserTestTimeoutMs,
  );
  test(
    "sign-in explains a server without dev tokens",
    async () => {
      server = await startDemoServer({ AUTH_SECRET: "a-production-secret-of-at-least-32-bytes" });
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(server.url);

      await page.getByLabel("Your name").fill("alice");
      await page.getByRole("button", { name: "Sign in" }).click();

      await expect
        .poll(() => page.getByRole("alert").textContent(), waitLong)
        .toContain("AUTH_SECRET");
      expect(await page.getByText("Signed in as").count()).toBe(0);
    },
    browserTestTimeoutMs,
  );
});
