import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fetchDevToken } from "@syncline/client-sdk";
import { loadConfig, type RunningServer, startServer } from "@syncline/server";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { createTestApi, type TestApi } from "./api.ts";

/** Debian's Chromium, which .ci/run installs; tests never download a browser. */
export const chromiumPath = "/usr/bin/chromium";

const repositoryRoot = fileURLToPath(new URL("../../", import.meta.url));
const demoDir = join(repositoryRoot, "packages", "demo", "dist");

/** Folder for screenshots and other artifacts of the browser tests; gitignored. */
export const artifactsDir = join(repositoryRoot, "test-results");

/**
 * Tells whether the browser suites can run. Outside CI a missing Chromium
 * skips them with a message. In CI it throws, because a skipped browser
 * suite would pass without testing anything.
 */
export function hasChromium(): boolean {
  if (existsSync(chromiumPath)) return true;
  const message = `${chromiumPath} is missing, so the browser suites cannot run; install Debian's chromium package.`;
  if (process.env.CI === "true") throw new Error(message);
  process.stdout.write(`Browser suites: skipped, because ${message}\n`);
  return false;
}

/** Headless, with background network traffic and updates turned off. */
const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Launches headless Chromium with its background network traffic and updates turned off. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
}

/** A Chromium whose default context can freeze pages, from {@link launchFreezableChromium}. */
export interface FreezableChromium {
  /** The browser's own default context: one profile, so its pages share IndexedDB and locks. */
  context: BrowserContext;
  /** Disconnects, stops the Chromium process and deletes its profile folder. */
  close(): Promise<void>;
}

/**
 * Starts Chromium with a DevTools port on 127.0.0.1 and attaches with
 * `noDefaults`, so Playwright leaves focus emulation off in the default
 * context. Chromium 156 ignores `Page.setWebLifecycleState` "frozen" on a
 * page with focus emulation on, which Playwright turns on in every context
 * it creates.
 */
export async function launchFreezableChromium(): Promise<FreezableChromium> {
  const profileDir = await mkdtemp(join(tmpdir(), "syncline-chromium-"));
  const child = spawn(
    chromiumPath,
    [
      ...chromiumArgs,
      "--remote-debugging-address=127.0.0.1",
      "--remote-debugging-port=0",
      `--user-data-dir=${profileDir}`,
      "about:blank",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, "exit");
      child.kill();
      await exited;
    }
    await rm(profileDir, { recursive: true, force: true });
  };
  try {
    const endpoint = await readDevToolsEndpoint(child, 30_000);
    const browser = await chromium.connectOverCDP(endpoint, { noDefaults: true, isLocal: true });
    const context = browser.contexts()[0];
    if (context === undefined) throw new Error("Chromium over CDP has no default context.");
    return {
      context,
      async close() {
        await browser.close();
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Waits for the "DevTools listening on ws://..." line that Chromium prints on stderr. */
function readDevToolsEndpoint(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => {
      reject(new Error(`Chromium printed no DevTools endpoint within ${timeoutMs} ms: ${output}`));
    }, timeoutMs);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(/DevTools listening on (ws:\/\/\S+)/);
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      resolve(match[1]);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Chromium exited with code ${code} before printing its DevTools endpoint.`));
    });
  });
}

/** Builds the demo page when dist/ has no build yet, as `npm run build:demo` does in CI. */
export function ensureDemoBuilt(): void {
  if (existsSync(join(demoDir, "index.html"))) return;
  execFileSync("npm", ["run", "build:demo"], { cwd: repositoryRoot, stdio: "ignore" });
}

/** A dev-mode server on PGlite that serves the demo and can restart on the same port and data. */
export interface DemoServer {
  readonly url: string;
  /** Stops the server gracefully, as a deploy does; the data folder stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data folder. */
  start(): Promise<void>;
  /** Returns an HTTP client acting as `userId`. */
  api(userId: string): Promise<TestApi>;
  /** Stops the server and deletes its data folder. */
  close(): Promise<void>;
}

/**
 * Starts a {@link DemoServer} in this process, on a free port of 127.0.0.1.
 * `env` adds server environment variables, such as PRESENCE_GRACE_MS.
 */
export async function startDemoServer(env: Record<string, string> = {}): Promise<DemoServer> {
  const dataDir = await mkdtemp(join(tmpdir(), "syncline-browser-"));
  let port = 0;
  let running: RunningServer | undefined;

  const start = async () => {
    const config = loadConfig({
      HOST: "127.0.0.1",
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: "error",
      ...env,
    });
    running = await startServer({ config: { ...config, demoDir } });
    port = running.port;
  };
  const stop = async () => {
    await running?.close();
    running = undefined;
  };
  await start();
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    start,
    stop,
    async api(userId) {
      return createTestApi(url, await fetchDevToken(url, userId));
    },
    async close() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Reads the texts and states of the messages a page shows, in display order. */
export function shownMessages(page: Page): Promise<Array<{ text: string; state: string }>> {
  return page.$$eval(".message", (items) =>
    items.map((item) => ({
      text: item.querySelector(".message-text")?.textContent ?? "",
      state: (item as HTMLElement).dataset.state ?? "",
    })),
  );
}

/** Types a message into the page's composer and sends it with Enter. */
export async function sendFromPage(page: Page, text: string): Promise<void> {
  const composer = page.getByLabel("Message");
  await composer.fill(text);
  await composer.press("Enter");
}

/** Saves a full-page screenshot under test-results/ and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
