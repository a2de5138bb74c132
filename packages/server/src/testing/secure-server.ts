import { createTokenAuthority, type TokenAuthority } from "../auth/tokens.ts";
import { loadConfig } from "../config.ts";
import { type RunningServer, startServer } from "../server.ts";
import { silentLogger, testSecret } from "./harness.ts";

/** A server on in-memory PGlite with security settings from test variables. */
export interface SecureTestServer {
  server: RunningServer;
  url: string;
  tokens: TokenAuthority;
  close(): Promise<void>;
}

/**
 * Starts a server whose environment is `env` on top of the test secret,
 * so each test sets only the limits it exercises. Test support, not shipped code.
 */
export async function startSecureServer(
  env: Record<string, string>,
  authTimeoutMs = 10_000,
): Promise<SecureTestServer> {
  const base = loadConfig({ AUTH_SECRET: testSecret, LOG_LEVEL: "silent", ...env });
  const config = { ...base, port: 0, dataDir: "memory://" };
  const server = await startServer({ config, logger: silentLogger, authTimeoutMs });
  const tokens = createTokenAuthority(testSecret, {
    issuer: config.security.jwtIssuer,
    audience: config.security.jwtAudience,
  });
  return { server, url: server.url, tokens, close: () => server.close() };
}
