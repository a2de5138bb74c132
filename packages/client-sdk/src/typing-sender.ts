/**
 * The minimum time between two typing frames for one conversation. It stays
 * above the server's default typing relay interval (TYPING_INTERVAL_MS, 1 s)
 * and well below its default indicator lifetime (TYPING_TTL_MS, 5 s), so
 * frames are not dropped and the indicator stays up while typing continues.
 */
export const typingThrottleMs = 2_000;

/** Sends the user's own typing frames, throttled per conversation. */
export interface TypingSender {
  /**
   * Notes a keystroke. The first one in a throttle window is sent at once.
   * Later ones in the window send one trailing frame when the window ends.
   */
  start(conversationId: string): void;
  /** Cancels the pending trailing frame, because the user stopped typing or sent the message. */
  stop(conversationId: string): void;
  close(): void;
}

/** Sends a `typing` frame; returns false when the socket could not take it. */
export type SendTypingFrame = (conversationId: string) => boolean;

interface ThrottleState {
  lastSentMs: number | undefined;
  trailing: ReturnType<typeof setTimeout> | undefined;
}

export function createTypingSender(
  send: SendTypingFrame,
  throttleMs = typingThrottleMs,
): TypingSender {
  const states = new Map<string, ThrottleState>();

  const stateOf = (conversationId: string): ThrottleState => {
    let state = states.get(conversationId);
    if (state === undefined) {
      state = { lastSentMs: undefined, trailing: undefined };
      states.set(conversationId, state);
    }
    return state;
  };

  function sendNow(conversationId: string, state: ThrottleState): void {
    const nowMs = Date.now();
    if (send(conversationId)) state.lastSentMs = nowMs;
  }

  return {
    start(conversationId) {
      const state = stateOf(conversationId);
      if (state.trailing !== undefined) return;
      const elapsedMs = state.lastSentMs === undefined ? throttleMs : Date.now() - state.lastSentMs;
      if (elapsedMs >= throttleMs) {
        sendNow(conversationId, state);
        return;
      }
      state.trailing = setTimeout(() => {
        state.trailing = undefined;
        sendNow(conversationId, state);
      }, throttleMs - elapsedMs);
    },
    stop(conversationId) {
      const state = states.get(conversationId);
      if (state === undefined) return;
      // lastSentMs stays, so typing again at once still waits for the window and the server's limit.
      clearTimeout(state.trailing);
      state.trailing = undefined;
    },
    close() {
      for (const state of states.values()) clearTimeout(state.trailing);
      states.clear();
    },
  };
}
