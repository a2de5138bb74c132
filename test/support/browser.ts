import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fetchDevToken } from "@syncline/client-sdk";
import { loadConfig, type RunningServer, startServer } from "@syncline/server";
import { type Browser, chromium, type Page } from "playwright-core";
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

/** Launches headless Chromium with its background network traffic and updates turned off. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
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
