import { randomBytes } from "node:crypto";
import { ProtocolError, userIdSchema } from "@syncline/protocol";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";

/** A verified token: the user it names and when it stops being valid. */
export interface TokenClaims {
  userId: string;
  /** Expiry time in milliseconds since the epoch. */
  expiresAtMs: number;
}

/** Issues and verifies the HS256 tokens of one secret. */
export interface TokenAuthority {
  /** Signs a token for `userId` that expires after `lifetimeMs`. */
  issue(userId: string, lifetimeMs?: number): Promise<string>;
  /** Verifies a token; throws `unauthorized` when it is invalid or expired. */
  verify(token: string): Promise<TokenClaims>;
}

/** Checks beyond the signature, `exp` and `sub`; every field is optional. */
export interface TokenCheckOptions {
  /** Leeway in seconds for `exp` and `nbf`; default 30. */
  clockSkewS?: number | undefined;
  /** Required `iss` claim, also set on issued tokens. */
  issuer?: string | undefined;
  /** Required `aud` claim, also set on issued tokens. */
  audience?: string | undefined;
}

/** Lifetime of dev tokens. */
export const devTokenLifetimeMs = 24 * 60 * 60 * 1000;

/** Makes a random secret for dev mode, where no AUTH_SECRET is set. */
export function makeDevSecret(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * Creates the token authority for a secret. Verification pins HS256, so a
 * token with `alg: none` or another algorithm fails, and requires `exp`
 * and a `sub` of 1 to 128 characters. `nbf`, when present, is checked
 * with the same clock skew as `exp`.
 */
export function createTokenAuthority(
  secret: string,
  options: TokenCheckOptions = {},
): TokenAuthority {
  const key = new TextEncoder().encode(secret);
  const { clockSkewS = 30, issuer, audience } = options;
  return {
    issue(userId, lifetimeMs = devTokenLifetimeMs) {
      const token = new SignJWT({})
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setSubject(userId)
        .setIssuedAt()
        .setExpirationTime(new Date(Date.now() + lifetimeMs));
      if (issuer !== undefined) token.setIssuer(issuer);
      if (audience !== undefined) token.setAudience(audience);
      return token.sign(key);
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ["HS256"],
          requiredClaims: ["exp", "sub"],
          clockTolerance: clockSkewS,
          ...(issuer === undefined ? {} : { issuer }),
          ...(audience === undefined ? {} : { audience }),
        });
        const userId = userIdSchema.safeParse(payload.sub);
        if (!userId.success) throw unauthorized("The token's sub claim is not a valid user id.");
        return { userId: userId.data, expiresAtMs: (payload.exp ?? 0) * 1000 };
      } catch (error) {
        if (error instanceof ProtocolError) throw error;
        throw unauthorized(describeJoseError(error), error);
      }
    },
  };
}

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return "The token has expired; get a new one.";
  if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === "nbf") {
    return "The token is not valid yet (nbf is in the future); check the issuer's clock.";
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return `The token's ${error.claim} claim is missing or invalid.`;
  }
  return "The token is invalid; get a new one.";
}

function unauthorized(message: string, cause?: unknown): ProtocolError {
  return new ProtocolError("unauthorized", message, { cause });
}
