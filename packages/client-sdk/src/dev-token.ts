import { devTokenResponseSchema } from "@syncline/protocol";
import { SyncError, toSyncError } from "./errors.ts";
import { createHttpTransport, joinUrl } from "./http.ts";

/**
 * Fetches a token from a server in dev mode (`POST /v1/dev/token`), which
 * exists only while the server runs without AUTH_SECRET. For demos and tests.
 */
export async function fetchDevToken(
  baseUrl: string,
  userId: string,
  fetchImpl: typeof fetch = (input, init) => globalThis.fetch(input, init),
): Promise<string> {
  const http = createHttpTransport({
    baseUrl,
    fetch: fetchImpl,
    // The dev endpoint needs no token; the header it gets is ignored.
    tokens: { get: async () => "none", refresh: async () => "none" },
    signal: new AbortController().signal,
    requestTimeoutMs: 30_000,
  });
  try {
    const { token } = await http.request(
      "POST",
      "/v1/dev/token",
      { userId },
      devTokenResponseSchema,
    );
    return token;
  } catch (error) {
    const failure = toSyncError(error);
    if (failure.code !== "not_found") throw failure;
    throw new SyncError(
      "not_found",
      `${joinUrl(baseUrl, "/v1/dev/token")} does not exist; the server has AUTH_SECRET set, so get tokens from your auth service.`,
      { cause: failure },
    );
  }
}
