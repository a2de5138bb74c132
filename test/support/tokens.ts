import { SignJWT } from "jose";

/** A fixed secret for servers that tests start with `AUTH_SECRET`. */
export const testAuthSecret = "test-secret-for-syncline-0123456789abcdef";

/** Signs an HS256 token for `userId` that the server accepts with `testAuthSecret`. */
export async function signTestToken(userId: string, secret = testAuthSecret): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(secret));
}
