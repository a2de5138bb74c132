import type { ReadVariable } from "./security/security-config.ts";

/** Fanout and retention settings, parsed by {@link parseScalingConfig}. */
export interface ScalingConfig {
  /** Conversations with more members than this get notify frames without events. */
  notifyInlineMaxMembers: number;
  /** A socket with more unsent bytes than this gets notify frames without events. */
  socketSoftBufferBytes: number;
  /** A socket with more unsent bytes than this is closed with 4429. */
  socketHardBufferBytes: number;
  /** Events older than this many days are deleted. Undefined keeps them forever. */
  retentionDays: number | undefined;
  /** Time between two retention sweeps. */
  retentionIntervalMs: number;
}

interface IntegerSetting {
  name: string;
  fallback: number;
  min: number;
  max: number;
}

/** Parses the scaling settings, adding one sentence per bad value to `problems`. */
export function parseScalingConfig(read: ReadVariable, problems: string[]): ScalingConfig {
  const parse = (setting: IntegerSetting) => parseInteger(read(setting.name), setting, problems);
  const config: ScalingConfig = {
    notifyInlineMaxMembers: parse({
      name: "NOTIFY_INLINE_MAX_MEMBERS",
      fallback: 100,
      min: 0,
      max: 1_000_000,
    }),
    socketSoftBufferBytes: parse({
      name: "SOCKET_SOFT_BUFFER_BYTES",
      fallback: 256 * 1024,
      min: 0,
      max: 1024 ** 3,
    }),
    socketHardBufferBytes: parse({
      name: "SOCKET_HARD_BUFFER_BYTES",
      fallback: 4 * 1024 * 1024,
      min: 1024,
      max: 1024 ** 3,
    }),
    retentionDays: undefined,
    retentionIntervalMs: parse({
      name: "RETENTION_INTERVAL_MS",
      fallback: 3_600_000,
      min: 1000,
      max: 7 * 86_400_000,
    }),
  };
  const days = read("RETENTION_DAYS");
  if (days !== undefined) {
    const setting = { name: "RETENTION_DAYS", fallback: 0, min: 1, max: 36_500 };
    config.retentionDays = parseInteger(days, setting, problems);
  }
  if (config.socketSoftBufferBytes >= config.socketHardBufferBytes) {
    problems.push("SOCKET_SOFT_BUFFER_BYTES must be below SOCKET_HARD_BUFFER_BYTES.");
  }
  return config;
}

function parseInteger(
  value: string | undefined,
  setting: IntegerSetting,
  problems: string[],
): number {
  if (value === undefined) return setting.fallback;
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed < setting.min || parsed > setting.max) {
    problems.push(
      `${setting.name} must be an integer from ${setting.min} to ${setting.max}, got "${value}".`,
    );
  }
  return parsed;
}
