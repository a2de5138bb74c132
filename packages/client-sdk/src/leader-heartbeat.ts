import type { BroadcastChannelLike } from "./broadcast.ts";

type HeartbeatMessage =
  | { type: "heartbeat"; tabId: string; leaderSince: number }
  | { type: "probe"; tabId: string };

/** Options of {@link createLeaderHeartbeat}. */
export interface LeaderHeartbeatOptions {
  channel: BroadcastChannelLike;
  /** This tab's random id, to tell its own leadership from another tab's. */
  tabId: string;
  /** How often the leader sends a heartbeat. A follower probes after 3 silent intervals. */
  intervalMs: number;
  /** Aborted by `close()`: stops the timer and closes the channel. */
  signal: AbortSignal;
  /** Called on a follower when the leader stayed silent and did not reply to a probe either. */
  onLeaderSilent(): void;
  /** Called on the leader when another tab reports a later leadership, so this tab lost the lock. */
  onNewerLeader(): void;
}

/** The heartbeat of one tab, which sends heartbeats while it leads and watches for them otherwise. */
export interface LeaderHeartbeat {
  /** Sends heartbeats from now on, for a leadership that began at `leaderSince` (epoch ms). */
  lead(leaderSince: number): void;
  /** Stops sending heartbeats and watches the leader's, counting silence from now. */
  follow(): void;
}

/** Silent heartbeat intervals after which a follower probes the leader. */
const silentIntervalsBeforeProbe = 3;

/**
 * Intervals a follower waits for the reply to a probe. Two, because
 * browsers run the timers of a hidden page about once a second, so the
 * reply can come a whole second late.
 */
const probeTimeoutIntervals = 2;

/**
 * Runs the heartbeat that lets followers replace a leader that stopped
 * running, such as a tab the browser froze. A follower that hears nothing
 * for 3 intervals sends a probe, which a live leader replies to from a timer,
 * and reports the leader silent only when 2 more intervals pass without a
 * reply. The probe keeps a follower from stealing when the follower itself
 * was frozen and its watchdog fires before the queued heartbeats are
 * delivered, or when the leader's heartbeats were merely late.
 */
export function createLeaderHeartbeat(options: LeaderHeartbeatOptions): LeaderHeartbeat {
  const { channel, tabId, intervalMs, signal } = options;
  let leaderSince: number | null = null;
  let lastHeardAt = Date.now();
  let probeSentAt: number | null = null;

  const post = (message: HeartbeatMessage) => {
    if (!signal.aborted) channel.postMessage(message);
  };
  const beat = () => {
    if (leaderSince !== null) post({ type: "heartbeat", tabId, leaderSince });
  };

  const watch = () => {
    const now = Date.now();
    if (probeSentAt !== null) {
      if (now - probeSentAt < probeTimeoutIntervals * intervalMs) return;
      probeSentAt = null;
      lastHeardAt = now;
      options.onLeaderSilent();
      return;
    }
    if (now - lastHeardAt >= silentIntervalsBeforeProbe * intervalMs) {
      probeSentAt = now;
      post({ type: "probe", tabId });
    }
  };

  channel.onmessage = (event: MessageEvent<HeartbeatMessage>) => {
    const message = event.data;
    if (message.type === "probe") {
      if (leaderSince !== null) {
        // Answered from a timer: Chromium runs message handlers of a frozen page but not its
        // timers, so an answer sent from the handler would keep a frozen leader in place.
        setTimeout(beat, 0);
      } else if (message.tabId < tabId) {
        // Followers whose timers fire together would all steal. The one with the lowest id
        // goes on, and the others count silence from now.
        lastHeardAt = Date.now();
        probeSentAt = null;
      }
      return;
    }
    if (message.type !== "heartbeat" || message.tabId === tabId) return;
    if (leaderSince === null) {
      lastHeardAt = Date.now();
      probeSentAt = null;
      return;
    }
    if (isLater(message, { leaderSince, tabId })) {
      options.onNewerLeader();
    } else {
      // The other tab is the stale one: answer at once so that it steps down soon.
      beat();
    }
  };

  const beatTimer = setInterval(beat, intervalMs);
  // Watches at half the interval, so silence and a missing answer are noticed soon after they pass.
  const watchTimer = setInterval(() => {
    if (leaderSince === null) watch();
  }, intervalMs / 2);
  signal.addEventListener(
    "abort",
    () => {
      clearInterval(beatTimer);
      clearInterval(watchTimer);
      channel.close();
    },
    { once: true },
  );

  return {
    lead(since) {
      leaderSince = since;
      probeSentAt = null;
      beat();
    },
    follow() {
      leaderSince = null;
      lastHeardAt = Date.now();
      probeSentAt = null;
    },
  };
}

/**
 * Orders two leaderships by start time, then by tab id. Only the latest one
 * can still hold the lock, because each grant of the exclusive lock comes
 * after the previous holder's lock was released or stolen.
 */
function isLater(
  other: { leaderSince: number; tabId: string },
  own: { leaderSince: number; tabId: string },
): boolean {
  if (other.leaderSince !== own.leaderSince) return other.leaderSince > own.leaderSince;
  return other.tabId > own.tabId;
}
