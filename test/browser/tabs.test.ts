import type { Browser, BrowserContext, CDPSession, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import {
  type DemoServer,
  ensureDemoBuilt,
  hasChromium,
  launchChromium,
  launchFreezableChromium,
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

  /** Reads the server's count of authenticated WebSockets open now, from GET /metrics. */
  async function openSocketsOnServer(): Promise<number> {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const line = text.split("\n").find((row) => row.startsWith("syncline_websocket_connections "));
    return Number(line?.split(" ")[1]);
  }

  async function serverTexts(conversationId: string): Promise<string[]> {
    const events = await (await server.api("bob")).pullAll(conversationId);
    return events.map((event) => String(event.body.text));
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

  /** A way to stop the leader tab's scripts for a while, and to let them run again. */
  interface LeaderStop {
    /** The longest time from the stop until bob shows a follower's message. */
    maxHandoverMs: number;
    stop(page: Page, context: BrowserContext): Promise<void>;
    resume(): Promise<void>;
  }

  const freeze: LeaderStop = (() => {
    let cdp: CDPSession | undefined;
    return {
      // The page hands the lock over on the freeze event: measured at 0.5 s.
      maxHandoverMs: 5_000,
      async stop(page, pageContext) {
        cdp = await pageContext.newCDPSession(page);
        await cdp.send("Page.setWebLifecycleState", { state: "frozen" });
      },
      async resume() {
        await cdp?.send("Page.setWebLifecycleState", { state: "active" });
      },
    };
  })();

  /** Blocks the page's main thread in a loop, as a hung script does, for `hangMs`. */
  const hang = (hangMs: number): LeaderStop => {
    let running: Promise<unknown> | undefined;
    return {
      // 3 silent heartbeat intervals, a probe unanswered for 2, then connect and push: 5.6 s measured.
      maxHandoverMs: 12_000,
      async stop(page) {
        running = page.evaluate((ms) => {
          const end = Date.now() + ms;
          while (Date.now() < end) {
            // Busy: no task, timer or message handler of this page runs.
          }
        }, hangMs);
        running.catch(() => {});
      },
      async resume() {
        await running;
      },
    };
  };

  test(
    "frozen leader is replaced (I27, I28, I29, I30)",
    async () => {
      await checkHandover(freeze);
    },
    browserTestTimeoutMs,
  );

  test(
    "hung leader is replaced (I27, I28, I29, I30)",
    async () => {
      await checkHandover(hang(20_000));
    },
    browserTestTimeoutMs,
  );

  /**
   * Stops the leader of three tabs of alice and sends from a follower, which
   * bob must receive. Once the old leader runs again, it must be a follower,
   * and the server must keep one socket of alice and each message once.
   */
  async function checkHandover(leaderStop: LeaderStop): Promise<void> {
    server = await startDemoServer();
    await (await server.api("bob")).createConversation("general", ["alice"]);
    const freezable = await launchFreezableChromium();
    const bobContext = await browser.newContext();
    try {
      await checkHandoverIn(freezable.context, bobContext, leaderStop);
    } finally {
      await bobContext.close();
      await freezable.close();
    }
  }

  async function checkHandoverIn(
    aliceContext: BrowserContext,
    bobContext: BrowserContext,
    leaderStop: LeaderStop,
  ): Promise<void> {
    const opened = new Map<Page, number>();
    const closed = new Map<Page, number>();
    const tabs: Page[] = [];
    for (let index = 0; index < 3; index++) {
      const page = await aliceContext.newPage();
      opened.set(page, 0);
      page.on("websocket", (socket) => {
        opened.set(page, (opened.get(page) ?? 0) + 1);
        socket.on("close", () => closed.set(page, (closed.get(page) ?? 0) + 1));
      });
      await page.goto(`${server.url}/#user=alice&conversation=general`);
      await page.getByLabel("Message").waitFor();
      tabs.push(page);
    }
    await vi.waitFor(async () => {
      for (const page of tabs) expect(await statusOf(page)).toBe("online");
    }, waitLong);
    const leader = tabs.find((page) => opened.get(page) === 1);
    if (leader === undefined) throw new Error("No tab of alice opened a WebSocket.");
    const [sender, other] = tabs.filter((page) => page !== leader) as [Page, Page];
    const openedByFollowers = () => (opened.get(sender) ?? 0) + (opened.get(other) ?? 0);
    expect(openedByFollowers()).toBe(0);
    const bob = await bobContext.newPage();
    await bob.goto(`${server.url}/#user=bob&conversation=general`);
    await vi.waitFor(async () => expect(await statusOf(bob)).toBe("online"), waitLong);
    await vi.waitFor(async () => expect(await openSocketsOnServer()).toBe(2), waitLong);

    await leaderStop.stop(leader, aliceContext);
    const stoppedAt = Date.now();
    await sendFromPage(sender, "while the leader is stopped");

    await vi.waitFor(async () => {
      const shown = await shownMessages(bob);
      expect(shown.map(({ text }) => text)).toEqual(["while the leader is stopped"]);
    }, waitLong);
    const handoverMs = Date.now() - stoppedAt;
    expect(handoverMs).toBeLessThan(leaderStop.maxHandoverMs);
    expect(openedByFollowers()).toBe(1);

    await leaderStop.resume();

    await vi.waitFor(() => expect(closed.get(leader)).toBe(1), waitLong);
    await vi.waitFor(async () => expect(await openSocketsOnServer()).toBe(2), waitLong);
    await sendFromPage(leader, "from the old leader");
    const texts = ["while the leader is stopped", "from the old leader"];
    for (const page of [bob, ...tabs]) {
      await vi.waitFor(async () => {
        const shown = await shownMessages(page);
        expect(shown.map(({ text }) => text)).toEqual(texts);
      }, waitLong);
    }
    // Several heartbeat intervals: the old leader must not take the lock back.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(opened.get(leader)).toBe(1);
    expect(openedByFollowers()).toBe(1);
    expect(await openSocketsOnServer()).toBe(2);
    expect(await serverTexts("general")).toEqual(texts);
  }
});
