import { SyncError } from "./errors.ts";

/** The app's token callback, called with `forceRefresh: true` after a token was rejected. */
export type GetToken = (request: { forceRefresh: boolean }) => Promise<string>;

/**
 * Hands out the current token and refreshes it at most once per rejection:
 * callers that see the same token rejected at the same time share one
 * refresh, so a single-use refresh token is never redeemed twice.
 */
export interface TokenSource {
  get(): Promise<string>;
  /** Returns a token newer than `rejected`, and fetches one unless another caller already did. */
  refresh(rejected: string): Promise<string>;
}

export function createTokenSource(getToken: GetToken): TokenSource {
  let current: string | undefined;
  let inFlight: Promise<string> | undefined;

  const load = (forceRefresh: boolean): Promise<string> => {
    if (inFlight !== undefined) return inFlight;
    const loading = callGetToken(getToken, forceRefresh).then((token) => {
      current = token;
      return token;
    });
    inFlight = loading;
    const clear = () => {
      if (inFlight === loading) inFlight = undefined;
    };
    loading.then(clear, clear);
    return loading;
  };

  return {
    get: () =>
      current !== undefined && inFlight === undefined ? Promise.resolve(current) : load(false),
    refresh(rejected) {
      if (inFlight !== undefined) return inFlight;
      if (current !== undefined && current !== rejected) return Promise.resolve(current);
      return load(true);
    },
  };
}

async function callGetToken(getToken: GetToken, forceRefresh: boolean): Promise<string> {
  let token: string;
  try {
    token = await getToken({ forceRefresh });
  } catch (error) {
    if (error instanceof SyncError) throw error;
    throw new SyncError("unauthorized", "The getToken callback failed; sign the user in again.", {
      cause: error,
    });
  }
  if (typeof token !== "string" || token === "") {
    throw new SyncError("unauthorized", "The getToken callback returned no token.");
  }
  return token;
}
