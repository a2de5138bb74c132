import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import {
  type DemoServer,
  ensureDemoBuilt,
  hasChromium,
  launchChromium,
  sendFromPage,
  shownMessages,
  startDemoServer,
} from "../support/browser.ts";

const browserTestTimeoutMs = 120_000;
const waitLong = { timeout: 30_000, interval: 100 };

describe.skipIf(!hasChromium())("tabs of one user in Chromium", () => {
  let browser: Browser;
  let server: DemoServer;
  let context: BrowserContext;

  beforeAll(async () => {
    ensureDemoBuilt();
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(async () => {
    await context?.close();
    await server?.close();
  });

  /** Opens a tab in the shared context and counts the WebSockets it opens. */
  async function openTab(sockets: Map<Page, number>): Promise<Page> {
    const page = await context.newPage();
    sockets.set(page, 0);
    page.on("websocket", () => sockets.set(page, (sockets.get(page) ?? 0) + 1));
    await page.goto(`${server.url}/#user=alice&conversation=general`);
    await page.getByLabel("Message").waitFor();
    return page;
  }

  async function statusOf(page: Page): Promise<string | null> {
    return page.getAttribute(".status", "data-status");
  }

  test(
    "one leader syncs and hands over on close",
    async () => {
      server = await startDemoServer();
      await (await server.api("bob")).createConversation("general", ["alice"]);
      context = await browser.newContext();
      const sockets = new Map<Page, number>();
      const first = await openTab(sockets);
      await vi.waitFor(async () => expect(await statusOf(first)).toBe("online"), waitLong);
      const second = await openTab(sockets);
      const third = await openTab(sockets);

      await vi.waitFor(async () => expect(await statusOf(second)).toBe("online"), waitLong);
      expect(sockets.get(first)).toBe(1);
      expect(sockets.get(second)).toBe(0);
      expect(sockets.get(third)).toBe(0);

      await sendFromPage(second, "from a follower");
      for (const page of [first, second, third]) {
        await vi.waitFor(async () => {
          const shown = await shownMessages(page);
          expect(shown).toEqual([{ text: "from a follower", state: "sent" }]);
        }, waitLong);
      }

      await first.route("**/v1/push", (route) => route.abort("internetdisconnected"));
      await sendFromPage(first, "queued by the leader");
      await vi.waitFor(async () => {
        const shown = await shownMessages(third);
        expect(shown.at(-1)).toEqual({ text: "queued by the leader", state: "pending" });
      }, waitLong);
      await first.close();

      await vi.waitFor(() => {
        const opened = (sockets.get(second) ?? 0) + (sockets.get(third) ?? 0);
        expect(opened).toBe(1);
      }, waitLong);
      for (const page of [second, third]) {
        await vi.waitFor(async () => {
          const shown = await shownMessages(page);
          expect(shown.map(({ text }) => text)).toEqual([
            "from a follower",
            "queued by the leader",
          ]);
          expect(shown.every(({ state }) => state === "sent")).toBe(true);
        }, waitLong);
      }
      const events = await (await server.api("bob")).pullAll("general");
      expect(events.map((event) => event.body.text)).toEqual([
        "from a follower",
        "queued by the leader",
      ]);
    },
    browserTestTimeoutMs,
  );
});
