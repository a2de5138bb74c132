import {
  type ClientOptions,
  type ConversationSummary,
  fetchDevToken,
  type Logger,
  type SynclineClient,
} from "@syncline/client-sdk";
import { type Event, limits, pullResponseSchema } from "@syncline/protocol";
import { loadConfig, type RunningServer, startServer, type TestHooks } from "@syncline/server";
import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { WebSocket } from "ws";
import { createTemporaryDatabase, type TemporaryDatabase, testDatabaseUrl } from "./postgres.ts";

/**
 * Starts servers and SDK clients for the end-to-end tests: a real server on
 * a random port, real HTTP and WebSocket, fake-indexeddb for storage.
 */

/** The two stores the server runs on. */
export type StoreKind = "pglite" | "postgres";

/** Every store kind with whether its suite runs here; Postgres needs TEST_DATABASE_URL. */
export const storeKinds: ReadonlyArray<{ kind: StoreKind; skip: boolean }> = [
  { kind: "pglite", skip: false },
  { kind: "postgres", skip: testDatabaseUrl === undefined },
];

/** A server started for one test, on a random port of 127.0.0.1 in dev mode. */
export interface TestServer {
  url: string;
  port: number;
  kind: StoreKind;
  /** Gets a dev token for `userId` from the server. */
  token(userId: string): Promise<string>;
  /** Closes the server and drops its temporary database; idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the server on PGlite in memory or on a fresh Postgres database,
 * with optional test hooks and environment variables such as
 * PRESENCE_TTL_MS. Logs are silent unless TEST_LOG_LEVEL is set.
 */
export async function startTestServer(
  kind: StoreKind,
  testHooks?: TestHooks,
  env: Record<string, string> = {},
): Promise<TestServer> {
  let database: TemporaryDatabase | undefined;
  if (kind === "postgres") database = await createTemporaryDatabase("syncline_sdk");
  const config = {
    ...loadConfig(env),
    port: 0,
    dataDir: "memory://",
    databaseUrl: database?.url,
    logLevel: process.env.TEST_LOG_LEVEL ?? "silent",
  };
  let server: RunningServer;
  try {
    server = await startServer(testHooks === undefined ? { config } : { config, testHooks });
  } catch (error) {
    await database?.drop();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    url: server.url,
    port: server.port,
    kind,
    token: (userId) => fetchToken(server.url, userId),
    close() {
      closing ??= server.close().finally(() => database?.drop());
      return closing;
    },
  };
}

async function fetchToken(baseUrl: string, userId: string): Promise<string> {
  const response = await fetch(`${baseUrl}/v1/dev/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userId }),
  });
  if (!response.ok) throw new Error(`POST /v1/dev/token failed with ${response.status}.`);
  const { token } = (await response.json()) as { token: string };
  return token;
}

/** SDK options for end-to-end tests: real WebSocket, fake IndexedDB, short backoffs. */
export function sdkOptions(
  baseUrl: string,
  userId: string,
  overrides: Partial<ClientOptions> = {},
): ClientOptions {
  return {
    baseUrl,
    userId,
    getToken: () => fetchDevToken(baseUrl, userId),
    WebSocket,
    indexedDB: new IDBFactory(),
    IDBKeyRange,
    logger: testLogger(),
    backoff: { baseMs: 50, maxMs: 1_000 },
    ...overrides,
  };
}

/** Creates a logger that prints only when TEST_LOG_LEVEL is set, so failures can be traced on demand. */
function testLogger(): Logger {
  const print = process.env.TEST_LOG_LEVEL === undefined ? () => {} : console.warn;
  return { debug() {}, info() {}, warn: print, error: print };
}

/** Resolves with the first value a subscription delivers, then unsubscribes. */
export function firstValue<T>(subscribe: (listener: (value: T) => void) => () => void): Promise<T> {
  return new Promise((resolve) => {
    let done = false;
    let unsubscribe: (() => void) | undefined;
    unsubscribe = subscribe((value) => {
      if (done) return;
      done = true;
      resolve(value);
      unsubscribe?.();
    });
    if (done) unsubscribe();
  });
}

/** Reads a conversation's summary, for its cursor and latest seq. */
export async function summaryOf(client: SynclineClient, conversationId: string) {
  const summaries = await firstValue<ConversationSummary[]>((listener) =>
    client.subscribeConversations(listener),
  );
  return summaries.find((summary) => summary.id === conversationId);
}

/** Pushes messages straight through the HTTP API, 100 per request, as another device would. */
export async function pushMessages(
  baseUrl: string,
  token: string,
  conversationId: string,
  texts: readonly string[],
): Promise<void> {
  for (let start = 0; start < texts.length; start += limits.maxOpsPerPush) {
    const ops = texts.slice(start, start + limits.maxOpsPerPush).map((text, i) => ({
      clientId: `direct-${conversationId}-${start + i}-${Math.random().toString(36).slice(2, 10)}`,
      conversationId,
      type: "message",
      body: { text },
    }));
    const response = await fetch(`${baseUrl}/v1/push`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ ops }),
    });
    if (!response.ok) throw new Error(`POST /v1/push failed with ${response.status}.`);
  }
}

/** Reads a conversation's whole log straight from the server, page by page. */
export async function serverEvents(
  baseUrl: string,
  token: string,
  conversationId: string,
): Promise<Event[]> {
  const events: Event[] = [];
  for (;;) {
    const path = `/v1/conversations/${encodeURIComponent(conversationId)}/events?after=${events.length}&limit=1000`;
    const response = await fetch(`${baseUrl}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!response.ok) throw new Error(`GET ${path} failed with ${response.status}.`);
    const page = pullResponseSchema.parse(await response.json());
    events.push(...page.events);
    if (!page.hasMore) return events;
  }
}
