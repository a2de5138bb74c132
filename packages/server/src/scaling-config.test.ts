import { describe, expect, test } from "vitest";
import { parseScalingConfig } from "./scaling-config.ts";

function parse(env: Record<string, string>) {
  const problems: string[] = [];
  const config = parseScalingConfig((name) => env[name], problems);
  return { config, problems };
}

describe("parseScalingConfig", () => {
  test("defaults keep events forever", () => {
    expect(parse({})).toEqual({
      config: {
        notifyInlineMaxMembers: 100,
        socketSoftBufferBytes: 256 * 1024,
        socketHardBufferBytes: 4 * 1024 * 1024,
        retentionDays: undefined,
        retentionIntervalMs: 3_600_000,
      },
      problems: [],
    });
  });

  test("every setting is read", () => {
    const { config, problems } = parse({
      NOTIFY_INLINE_MAX_MEMBERS: "10",
      SOCKET_SOFT_BUFFER_BYTES: "1024",
      SOCKET_HARD_BUFFER_BYTES: "2048",
      RETENTION_DAYS: "30",
      RETENTION_INTERVAL_MS: "60000",
    });

    expect(problems).toEqual([]);
    expect(config).toEqual({
      notifyInlineMaxMembers: 10,
      socketSoftBufferBytes: 1024,
      socketHardBufferBytes: 2048,
      retentionDays: 30,
      retentionIntervalMs: 60_000,
    });
  });

  test("bad values are listed", () => {
    const { problems } = parse({
      RETENTION_DAYS: "0",
      SOCKET_SOFT_BUFFER_BYTES: "4194304",
    });

    expect(problems).toEqual([
      'RETENTION_DAYS must be an integer from 1 to 36500, got "0".',
      "SOCKET_SOFT_BUFFER_BYTES must be below SOCKET_HARD_BUFFER_BYTES.",
    ]);
  });
});
