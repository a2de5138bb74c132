import {
  type ClientOptions,
  createClient,
  type Message,
  type SynclineClient,
} from "@syncline/client-sdk";
import { expect, vi } from "vitest";
import {
  type StoreKind,
  sdkOptions,
  startTestServer,
  summaryOf,
  type TestServer,
} from "./server-harness.ts";

/** Generous bounds for polling on a shared, slow machine. */
export const waitLong = { timeout: 20_000, interval: 50 };

/** Closes what a chat test opened, newest first. */
export function createCleanups() {
  const cleanups: Array<() => Promise<void>> = [];
  return {
    add(cleanup: () => Promise<void>) {
      cleanups.push(cleanup);
    },
    async run() {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    },
  };
}

/** Server environment and client options of {@link startChat}. */
export interface ChatSetup {
  /** Server environment variables, such as TYPING_TTL_MS. */
  env?: Record<string, string>;
  /** Options of both clients. */
  client?: Partial<ClientOptions>;
}

/**
 * Starts a server and two clients, alice and bob, who share conversation
 * c1 that alice created; returns once both have it in their list.
 */
export async function startChat(
  kind: StoreKind,
  cleanups: ReturnType<typeof createCleanups>,
  members: string[] = ["bob"],
  setup: ChatSetup = {},
): Promise<{ server: TestServer; alice: SynclineClient; bob: SynclineClient }> {
  const server = await startTestServer(kind, undefined, setup.env);
  cleanups.add(() => server.close());
  const open = (userId: string) => {
    const client = createClient(sdkOptions(server.url, userId, setup.client));
    cleanups.add(() => client.close());
    return client;
  };
  const alice = open("alice");
  await alice.createConversation({ id: "c1", members });
  const bob = open("bob");
  await vi.waitFor(async () => expect(await summaryOf(bob, "c1")).toBeDefined(), waitLong);
  return { server, alice, bob };
}

/** Waits until the client shows a message at `seq` that passes `check`, and returns it. */
export async function waitForMessage(
  client: SynclineClient,
  seq: number,
  check: (message: Message) => void,
): Promise<Message> {
  return vi.waitFor(async () => {
    const message = (await client.getMessages("c1")).find((entry) => entry.seq === seq);
    expect(message).toBeDefined();
    check(message as Message);
    return message as Message;
  }, waitLong);
}
