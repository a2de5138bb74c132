import { SignJWT } from "jose";
import { describe, expect, test } from "vitest";
import { createTokenAuthority } from "./tokens.ts";

const secret = "token-test-secret-of-at-least-32-bytes";
const key = new TextEncoder().encode(secret);
const nowS = () => Math.floor(Date.now() / 1000);

interface Claims {
  exp?: number;
  nbf?: number;
  iss?: string;
  aud?: string;
}

function sign(claims: Claims, alg = "HS256", signingKey = key): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg })
    .setSubject("alice")
    .sign(signingKey);
}

function unsigned(claims: Claims): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "none", typ: "JWT" })}.${part({ sub: "alice", ...claims })}.`;
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code ?? "thrown";
  }
  return "accepted";
}

describe("token verify", () => {
  const tokens = createTokenAuthority(secret, { clockSkewS: 30 });

  test("accepts exp within the clock skew", async () => {
    const claims = await tokens.verify(await sign({ exp: nowS() - 10 }));

    expect(claims.userId).toBe("alice");
  });

  test("rejects exp past the clock skew", async () => {
    expect(await rejection(tokens.verify(await sign({ exp: nowS() - 60 })))).toBe("unauthorized");
  });

  test("accepts nbf within the clock skew", async () => {
    const token = await sign({ exp: nowS() + 600, nbf: nowS() + 10 });

    expect((await tokens.verify(token)).userId).toBe("alice");
  });

  test("rejects nbf past the clock skew", async () => {
    const token = await sign({ exp: nowS() + 600, nbf: nowS() + 120 });

    await expect(tokens.verify(token)).rejects.toThrow(/not valid yet/);
  });

  test("zero skew rejects exp a second ago", async () => {
    const strict = createTokenAuthority(secret, { clockSkewS: 0 });

    expect(await rejection(strict.verify(await sign({ exp: nowS() - 2 })))).toBe("unauthorized");
  });

  test("rejects a missing exp", async () => {
    expect(await rejection(tokens.verify(await sign({})))).toBe("unauthorized");
  });

  test("rejects alg none", async () => {
    expect(await rejection(tokens.verify(unsigned({ exp: nowS() + 600 })))).toBe("unauthorized");
  });

  test("rejects HS384 with the same key", async () => {
    const token = await sign({ exp: nowS() + 600 }, "HS384");

    expect(await rejection(tokens.verify(token))).toBe("unauthorized");
  });

  test("rejects a wrong key", async () => {
    const wrongKey = new TextEncoder().encode("another-secret-of-at-least-32-bytes!!");
    const token = await sign({ exp: nowS() + 600 }, "HS256", wrongKey);

    expect(await rejection(tokens.verify(token))).toBe("unauthorized");
  });
});

describe("token issuer and audience", () => {
  const tokens = createTokenAuthority(secret, { issuer: "syncline", audience: "chat" });
  const exp = nowS() + 600;

  test("accepts matching iss and aud", async () => {
    const token = await sign({ exp, iss: "syncline", aud: "chat" });

    expect((await tokens.verify(token)).userId).toBe("alice");
  });

  test("rejects another issuer", async () => {
    const token = await sign({ exp, iss: "elsewhere", aud: "chat" });

    await expect(tokens.verify(token)).rejects.toThrow(/iss claim/);
  });

  test("rejects a missing audience", async () => {
    const token = await sign({ exp, iss: "syncline" });

    await expect(tokens.verify(token)).rejects.toThrow(/aud claim/);
  });

  test("issued tokens carry both claims", async () => {
    const token = await tokens.issue("bob");

    expect((await tokens.verify(token)).userId).toBe("bob");
    expect(await rejection(createTokenAuthority(secret).verify(token))).toBe("accepted");
  });
});
