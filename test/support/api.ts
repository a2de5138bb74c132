import {
  type Conversation,
  conversationResponseSchema,
  type Event,
  type PushResult,
  pullResponseSchema,
  pushResponseSchema,
} from "@syncline/protocol";

/** A thin HTTP client for tests that talk to the server without the SDK. */
export interface TestApi {
  createConversation(id: string, members: string[]): Promise<Conversation>;
  pushMessage(conversationId: string, clientId: string, text: string): Promise<PushResult>;
  pullAll(conversationId: string): Promise<Event[]>;
}

/** Creates a {@link TestApi} for one user's token against a server URL. */
export function createTestApi(baseUrl: string, token: string): TestApi {
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };

  async function call(method: string, path: string, body?: unknown): Promise<unknown> {
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await fetch(`${baseUrl}${path}`, init);
    const json: unknown = await response.json();
    if (!response.ok) {
      throw new Error(`${method} ${path} failed with ${response.status}: ${JSON.stringify(json)}`);
    }
    return json;
  }

  return {
    async createConversation(id, members) {
      const json = await call("POST", "/v1/conversations", { id, members });
      return conversationResponseSchema.parse(json).conversation;
    },
    async pushMessage(conversationId, clientId, text) {
      const op = { clientId, conversationId, type: "message", body: { text } };
      const json = await call("POST", "/v1/push", { ops: [op] });
      const [result] = pushResponseSchema.parse(json).results;
      if (result === undefined) throw new Error("Push returned no result.");
      return result;
    },
    async pullAll(conversationId) {
      const events: Event[] = [];
      for (;;) {
        const after = events.at(-1)?.seq ?? 0;
        const path = `/v1/conversations/${conversationId}/events?after=${after}&limit=1000`;
        const page = pullResponseSchema.parse(await call("GET", path));
        events.push(...page.events);
        if (!page.hasMore) return events;
      }
    },
  };
}
