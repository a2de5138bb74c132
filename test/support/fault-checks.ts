import type { Message, SynclineClient } from "@syncline/client-sdk";
import { type Event, pushResponseSchema } from "@syncline/protocol";
import { expect, vi } from "vitest";

/** Client id to the seq its ack carried. */
export type Acks = Map<string, number>;

/** Checks the server's log: seqs 1..n without gaps, each client id once, each ack at its seq. */
export function expectAckedExactlyOnce(events: readonly Event[], acks: Acks): void {
  expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
  const seqByClientId = new Map(events.map((event) => [event.clientId, event.seq]));
  expect(seqByClientId.size).toBe(events.length);
  for (const [clientId, seq] of acks) expect(seqByClientId.get(clientId)).toBe(seq);
}

/** Tells whether a message has a seq, whatever receipts it has gathered since. */
function isConfirmed(message: Message): boolean {
  return message.state === "sent" || message.state === "delivered" || message.state === "read";
}

/** Waits until the client has exactly the server's log, every message confirmed. */
export async function expectConverged(
  client: SynclineClient,
  conversationId: string,
  events: readonly Event[],
): Promise<void> {
  const expected = events.map((event) => [event.seq, event.clientId, true]);
  await vi.waitFor(
    async () => {
      const messages = await client.getMessages(conversationId);
      const actual = messages.map((message) => [
        message.seq,
        message.clientId,
        isConfirmed(message),
      ]);
      expect(actual).toEqual(expected);
    },
    { timeout: 60_000, interval: 200 },
  );
}

/** Collects the acks of a client's own confirmed messages from its local log. */
export async function acksOf(client: SynclineClient, conversationId: string): Promise<Acks> {
  const messages = await client.getMessages(conversationId);
  const acks: Acks = new Map();
  for (const message of messages) {
    if (isConfirmed(message) && message.senderId === client.userId) {
      acks.set(message.clientId, message.seq as number);
    }
  }
  return acks;
}

/** Options of {@link pushUntilAcked}. */
export interface PusherOptions {
  baseUrl: string;
  token: string;
  conversationId: string;
  /** Client ids are `${prefix}-message-${index}`. */
  prefix: string;
  count: number;
  /** Receives every ack, as soon as it arrives. */
  acks: Acks;
  /** Wait after each ack before the next message, so the load lasts; 0 when unset. */
  pauseMs?: number;
  /** Counts the pushes that got a 503 response, by their error code. */
  unavailable?: Map<string, number>;
}

/**
 * Pushes `count` messages one by one, as a well-behaved client would: a
 * push that fails at the network or with 503 is sent again with the same
 * client id until it is acked.
 */
export async function pushUntilAcked(options: PusherOptions): Promise<void> {
  for (let index = 0; index < options.count; index++) {
    const clientId = `${options.prefix}-message-${index}`;
    const op = {
      clientId,
      conversationId: options.conversationId,
      type: "message",
      body: { text: clientId },
    };
    for (let attempt = 0; ; attempt++) {
      if (attempt > 200) throw new Error(`Op ${clientId} was not acked after 200 attempts.`);
      const seq = await tryPush(options, op);
      if (seq !== undefined) {
        options.acks.set(clientId, seq);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
  }
}

async function tryPush(options: PusherOptions, op: unknown): Promise<number | undefined> {
  let response: Response;
  try {
    response = await fetch(`${options.baseUrl}/v1/push`, {
      method: "POST",
      headers: { authorization: `Bearer ${options.token}`, "content-type": "application/json" },
      body: JSON.stringify({ ops: [op] }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch {
    return undefined;
  }
  if (response.status === 503) {
    const body = (await response.json().catch(() => ({}))) as { error?: { code?: string } };
    const code = body.error?.code ?? "none";
    options.unavailable?.set(code, (options.unavailable.get(code) ?? 0) + 1);
    return undefined;
  }
  if (!response.ok)
    throw new Error(`Push failed with ${response.status}: ${await response.text()}`);
  const [result] = pushResponseSchema.parse(await response.json()).results;
  if (result?.status !== "ok") throw new Error(`Op was rejected: ${JSON.stringify(result)}`);
  return result.seq;
}
