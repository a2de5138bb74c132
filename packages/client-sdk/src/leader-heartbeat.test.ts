import { afterEach, describe, expect, test, vi } from "vitest";
import { createLeaderHeartbeat, type LeaderHeartbeat } from "./leader-heartbeat.ts";
import { ChannelMute } from "./testing/muted-channel.ts";

const intervalMs = 40;
const controllers: AbortController[] = [];

afterEach(() => {
  for (const controller of controllers.splice(0)) controller.abort();
});

function startTab(
  tabId: string,
  channelName: string,
  mute = new ChannelMute(),
  tabIntervalMs = intervalMs,
): { heartbeat: LeaderHeartbeat; silent: number; newer: number } {
  const controller = new AbortController();
  controllers.push(controller);
  const tab = {
    silent: 0,
    newer: 0,
    heartbeat: createLeaderHeartbeat({
      channel: new mute.Channel(channelName),
      tabId,
      intervalMs: tabIntervalMs,
      signal: controller.signal,
      onLeaderSilent: () => {
        tab.silent += 1;
      },
      onNewerLeader: () => {
        tab.newer += 1;
      },
    }),
  };
  return tab;
}

describe("leader heartbeat", () => {
  test("silence without a probe answer is reported (I28)", async () => {
    const leaderMute = new ChannelMute();
    const leader = startTab("a", "heartbeat-silence", leaderMute);
    const follower = startTab("b", "heartbeat-silence");
    leader.heartbeat.lead(1_000);
    follower.heartbeat.follow();

    leaderMute.muted = true;

    await vi.waitFor(() => expect(follower.silent).toBe(1), { timeout: 20 * intervalMs });
    expect(leader.silent).toBe(0);
  });

  test("one follower of two reports silence (I29)", async () => {
    const leaderMute = new ChannelMute();
    const leader = startTab("a", "heartbeat-two-followers", leaderMute);
    const lower = startTab("b", "heartbeat-two-followers");
    const higher = startTab("c", "heartbeat-two-followers");
    leader.heartbeat.lead(1_000);
    lower.heartbeat.follow();
    higher.heartbeat.follow();

    leaderMute.muted = true;

    await vi.waitFor(() => expect(lower.silent).toBe(1), { timeout: 20 * intervalMs });
    expect(higher.silent).toBe(0);
  });

  test("probe answer prevents a silence report (I29)", async () => {
    // The leader's own heartbeats are 10 s apart, as in a tab whose timers are throttled.
    const leader = startTab("a", "heartbeat-probe", new ChannelMute(), 10_000);
    const follower = startTab("b", "heartbeat-probe");
    leader.heartbeat.lead(1_000);
    follower.heartbeat.follow();

    await new Promise((resolve) => setTimeout(resolve, 10 * intervalMs));

    expect(follower.silent).toBe(0);
  });

  test("older leader steps down (I30)", async () => {
    const older = startTab("a", "heartbeat-newer");
    const newer = startTab("b", "heartbeat-newer");

    older.heartbeat.lead(1_000);
    newer.heartbeat.lead(2_000);

    await vi.waitFor(() => expect(older.newer).toBeGreaterThan(0), { timeout: 10 * intervalMs });
    expect(newer.newer).toBe(0);
  });
});
