import http from "node:http";
import { SignJWT } from "jose";

/** The AUTH_SECRET of every server the bench starts, so it can sign its own tokens. */
export const benchAuthSecret = "bench-secret-for-syncline-0123456789abcdef";

/** Signs an HS256 token for `userId` that lasts two hours. */
export function signToken(userId: string): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime("2h")
    .sign(new TextEncoder().encode(benchAuthSecret));
}

/** A message op as the wire carries it. */
export interface MessageOp {
  clientId: string;
  conversationId: string;
  type: "message";
  body: { text: string };
}

/** A push result, reduced to what the bench checks. */
export interface PushResultLite {
  clientId: string;
  status: string;
  seq?: number;
}

/**
 * Creates a keep-alive HTTP client for one base URL, on node:http rather than fetch
 * so that the driver's own CPU stays small beside the server's.
 */
export function createHttpDriver(baseUrl: string, maxSockets = 64) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const { hostname, port } = new URL(baseUrl);

  /**
   * Sends one request, again once when a kept-alive connection was reset
   * before any reply: the server closes idle connections after 5 s and can
   * race a request that reuses one. A repeated push is safe because ops are
   * deduplicated by clientId.
   */
  async function call(method: string, path: string, token: string, body?: unknown) {
    try {
      return await callOnce(method, path, token, body);
    } catch (error) {
      if ((error as { code?: string }).code !== "ECONNRESET") throw error;
      return callOnce(method, path, token, body);
    }
  }

  function callOnce(method: string, path: string, token: string, body?: unknown) {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<unknown>((resolve, reject) => {
      const request = http.request(
        { agent, hostname, port, method, path, headers: requestHeaders(token, payload) },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            if ((response.statusCode ?? 0) >= 300) {
              reject(new Error(`${method} ${path} failed with ${response.statusCode}: ${text}`));
            } else resolve(text === "" ? undefined : JSON.parse(text));
          });
          response.on("error", reject);
        },
      );
      request.on("error", reject);
      request.end(payload);
    });
  }

  return {
    call,
    async createConversation(token: string, id: string, members: readonly string[]) {
      await call("POST", "/v1/conversations", token, { id, members });
    },
    async addMember(token: string, conversationId: string, userId: string) {
      await call("POST", `/v1/conversations/${conversationId}/members`, token, { userId });
    },
    async push(token: string, ops: readonly MessageOp[]): Promise<PushResultLite[]> {
      const reply = (await call("POST", "/v1/push", token, { ops })) as {
        results: PushResultLite[];
      };
      for (const result of reply.results) {
        if (result.status !== "ok") throw new Error(`Push of ${result.clientId} failed.`);
      }
      return reply.results;
    },
    close(): void {
      agent.destroy();
    },
  };
}

/** An {@link createHttpDriver} instance. */
export type HttpDriver = ReturnType<typeof createHttpDriver>;

function requestHeaders(token: string, payload: string | undefined): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = { authorization: `Bearer ${token}` };
  if (payload !== undefined) {
    headers["content-type"] = "application/json";
    headers["content-length"] = Buffer.byteLength(payload);
  }
  return headers;
}

let opCounter = 0;

/** Makes a message op with a fresh client id of 8 to 64 characters. */
export function messageOp(conversationId: string, text = "bench message"): MessageOp {
  opCounter += 1;
  const clientId = `b${process.pid}-${Date.now().toString(36)}-${opCounter}`;
  return { clientId, conversationId, type: "message", body: { text } };
}
