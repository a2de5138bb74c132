import { describe, expect, test } from "vitest";
import { SyncError } from "./errors.ts";
import { createTokenSource } from "./token.ts";

function countingGetToken() {
  const calls: boolean[] = [];
  const getToken = async ({ forceRefresh }: { forceRefresh: boolean }) => {
    calls.push(forceRefresh);
    await new Promise((resolve) => setTimeout(resolve, 5));
    return `token-${calls.length}`;
  };
  return { calls, getToken };
}

describe("createTokenSource", () => {
  test("token is cached", async () => {
    const { calls, getToken } = countingGetToken();
    const tokens = createTokenSource(getToken);

    await tokens.get();
    await tokens.get();

    expect(calls).toEqual([false]);
  });

  test("concurrent refreshes share one call (I8)", async () => {
    const { calls, getToken } = countingGetToken();
    const tokens = createTokenSource(getToken);
    const stale = await tokens.get();

    const fresh = await Promise.all(Array.from({ length: 7 }, () => tokens.refresh(stale)));

    expect(calls).toEqual([false, true]);
    expect(new Set(fresh)).toEqual(new Set(["token-2"]));
  });

  test("late refresh of an old token reuses the new one", async () => {
    const { calls, getToken } = countingGetToken();
    const tokens = createTokenSource(getToken);
    const stale = await tokens.get();
    await tokens.refresh(stale);

    const again = await tokens.refresh(stale);

    expect(again).toBe("token-2");
    expect(calls).toEqual([false, true]);
  });

  test("failed callback becomes unauthorized", async () => {
    const tokens = createTokenSource(async () => {
      throw new Error("signed out");
    });

    await expect(tokens.get()).rejects.toMatchObject({ name: "SyncError", code: "unauthorized" });
  });

  test("SyncError from callback is kept", async () => {
    const tokens = createTokenSource(async () => {
      throw new SyncError("offline", "no network");
    });

    await expect(tokens.get()).rejects.toMatchObject({ code: "offline" });
  });
});
