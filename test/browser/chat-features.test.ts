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

const browserTestTimeoutMs = 180_000;
const waitLong = { timeout: 30_000, interval: 100 };

describe.skipIf(!hasChromium())("demo chat features in Chromium", () => {
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

  /** Opens the demo as `userId` in a fresh browser context, which is a device of its own. */
  async function openAs(userId: string, conversationId?: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
    contexts.push(context);
    const page = await context.newPage();
    const hash = conversationId === undefined ? "" : `&conversation=${conversationId}`;
    await page.goto(`${server.url}/#user=${userId}${hash}`);
    await vi.waitFor(
      async () => expect(await page.getAttribute(".status", "data-status")).toBe("online"),
      waitLong,
    );
    return page;
  }

  const badge = (page: Page, conversationId: string) =>
    page.locator(`[data-conversation-id="${conversationId}"] .badge`);
  const messageStates = (page: Page) => page.locator(".message-state").allTextContents();
  const typingLine = (page: Page) => page.locator(".typing-line").textContent();

  test(
    "receipts, typing, edits and reactions reach both users",
    async () => {
      server = await startDemoServer();
      await (await server.api("alice")).createConversation("general", ["bob"]);
      const alice = await openAs("alice", "general");
      const bob = await openAs("bob");
      const bobPhone = await openAs("bob");

      await sendFromPage(alice, "hello bob");
      await badge(bob, "general").filter({ hasText: "1" }).waitFor(waitLong);
      await badge(bobPhone, "general").filter({ hasText: "1" }).waitFor(waitLong);
      await vi.waitFor(
        async () =>
          expect(await shownMessages(alice)).toEqual([{ text: "hello bob", state: "delivered" }]),
        waitLong,
      );

      await bob.locator('[data-conversation-id="general"]').click();
      await vi.waitFor(
        async () =>
          expect(await shownMessages(bob)).toEqual([{ text: "hello bob", state: "sent" }]),
        waitLong,
      );
      await vi.waitFor(
        async () =>
          expect(await shownMessages(alice)).toEqual([{ text: "hello bob", state: "read" }]),
        waitLong,
      );
      expect((await messageStates(alice))[0]).toMatch(/^Read/);
      await badge(bob, "general").waitFor({ state: "detached", ...waitLong });
      await badge(bobPhone, "general").waitFor({ state: "detached", ...waitLong });

      // The SDK sends at most one typing frame per 2 s, so Alice keeps typing until Bob's page shows it.
      const composer = alice.getByLabel("Message");
      await vi.waitFor(async () => {
        await composer.pressSequentially(".");
        expect(await typingLine(bob)).toBe("alice is typing…");
      }, waitLong);
      await composer.fill("are you");
      await composer.press("Enter");
      await vi.waitFor(async () => expect(await shownMessages(bob)).toHaveLength(2), waitLong);
      await vi.waitFor(async () => expect(await typingLine(bob)).toBe(""), waitLong);

      const first = alice.locator(".message").first();
      await first.getByRole("button", { name: "Edit" }).click();
      await first.getByLabel("Edit message").fill("hello, bob");
      await first.getByRole("button", { name: "Save" }).click();
      for (const page of [alice, bob]) {
        await vi.waitFor(async () => {
          const texts = (await shownMessages(page)).map(({ text }) => text);
          expect(texts).toEqual(["hello, bob", "are you"]);
        }, waitLong);
        await page.locator(".message").first().locator(".message-edited").waitFor(waitLong);
      }

      await bob.locator(".message").first().getByRole("button", { name: "React with 👍" }).click();
      for (const page of [alice, bob]) {
        const thumbsUp = page.locator(".message").first().locator('[data-emoji="👍"]');
        await thumbsUp.locator(".reaction-count").filter({ hasText: "1" }).waitFor(waitLong);
      }
      const pressedOn = (page: Page) =>
        page.locator(".message").first().locator('[data-emoji="👍"]').getAttribute("aria-pressed");
      expect(await pressedOn(bob)).toBe("true");
      expect(await pressedOn(alice)).toBe("false");

      const second = alice.locator(".message").nth(1);
      await second.getByRole("button", { name: "Delete" }).click();
      for (const page of [alice, bob]) {
        await page.locator(".message").nth(1).locator(".tombstone").waitFor(waitLong);
      }
      await saveScreenshot(alice, "chat-features-alice");
      await saveScreenshot(bob, "chat-features-bob");
    },
    browserTestTimeoutMs,
  );

  test(
    "presence dot follows the other page (I26)",
    async () => {
      // A closed page closes its socket, so only the grace period delays offline. The TTL
      // stays at its default, because the demo pings every 25 s and a shorter TTL would flap.
      server = await startDemoServer({ PRESENCE_GRACE_MS: "300" });
      await (await server.api("alice")).createConversation("general", ["bob"]);
      const alice = await openAs("alice", "general");
      const bobOnAlice = alice.locator(".member").filter({ hasText: "bob" });
      await vi.waitFor(
        async () => expect(await bobOnAlice.getAttribute("data-presence")).toBe("offline"),
        waitLong,
      );
      expect(await bobOnAlice.locator(".member-detail").textContent()).toBe("offline");

      const bob = await openAs("bob", "general");
      const aliceOnBob = bob.locator(".member").filter({ hasText: "alice" });
      await vi.waitFor(
        async () => expect(await bobOnAlice.getAttribute("data-presence")).toBe("online"),
        waitLong,
      );
      await vi.waitFor(
        async () => expect(await aliceOnBob.getAttribute("data-presence")).toBe("online"),
        waitLong,
      );
      await saveScreenshot(alice, "presence-online-alice");

      await bob.close();
      await vi.waitFor(
        async () => expect(await bobOnAlice.getAttribute("data-presence")).toBe("offline"),
        waitLong,
      );
      expect(await bobOnAlice.locator(".member-detail").textContent()).toMatch(/^last seen /);
      await saveScreenshot(alice, "presence-offline-alice");
    },
    browserTestTimeoutMs,
  );
});
