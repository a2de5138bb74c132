import { randomUUID } from "node:crypto";

/** A raw op as a client would push it; fields are overridable, extra fields allowed. */
export interface OpFixture {
  clientId: string;
  conversationId: string;
  type: string;
  body: Record<string, unknown>;
  [field: string]: unknown;
}

/** Builds a `message` op with a fresh client id. */
export function makeOp(overrides: Partial<OpFixture> = {}): OpFixture {
  return {
    clientId: `op-${randomUUID()}`,
    conversationId: "c1",
    type: "message",
    body: { text: "hello" },
    ...overrides,
  };
}

/** Builds a `message` op with the given text in a conversation. */
export function makeMessage(conversationId: string, text: string, clientId?: string): OpFixture {
  return makeOp({
    conversationId,
    body: { text },
    ...(clientId === undefined ? {} : { clientId }),
  });
}
