import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createApp } from "./app.ts";
import { createTokenAuthority } from "./auth/tokens.ts";
import { silentLogger, testSecret } from "./testing/harness.ts";
import { SocketHub } from "./ws/socket-hub.ts";

describe("demo files", () => {
  let demoDir: string;

  beforeAll(async () => {
    demoDir = await mkdtemp(join(tmpdir(), "syncline-demo-"));
    await writeFile(join(demoDir, "index.html"), "<h1>demo</h1>");
  });
  afterAll(async () => {
    await rm(demoDir, { recursive: true, force: true });
  });

  function makeApp(dir: string | undefined) {
    const tokens = createTokenAuthority(testSecret);
    const deps = { store: {} as never, notifier: new SocketHub(), tokens, logger: silentLogger };
    return createApp({ ...deps, devMode: false, demoDir: dir });
  }

  test("index is served at the root", async () => {
    const response = await makeApp(demoDir).request("/");

    expect(response.status).toBe(200);
    expect(await response.text()).toBe("<h1>demo</h1>");
  });

  test("missing file is a JSON 404", async () => {
    const response = await makeApp(demoDir).request("/missing.js");

    expect(response.status).toBe(404);
    expect((await response.json()).error.code).toBe("not_found");
  });

  test("no demo folder serves nothing", async () => {
    expect((await makeApp(undefined).request("/")).status).toBe(404);
  });

  test("API routes still need a token", async () => {
    expect((await makeApp(demoDir).request("/v1/conversations")).status).toBe(401);
  });
});
