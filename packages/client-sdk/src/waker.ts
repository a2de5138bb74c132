/**
 * A sleep that ends early on `wake()` or when the signal aborts, so a loop
 * waiting out its backoff reacts at once to a reconnect or to `close()`.
 */
export interface Waker {
  /** Resolves after `ms`, on `wake()`, or on abort, whichever comes first. */
  sleep(ms: number): Promise<void>;
  /** Ends the current sleep, if any. */
  wake(): void;
}

export function createWaker(signal: AbortSignal): Waker {
  let wakeCurrent: (() => void) | null = null;

  return {
    sleep(ms) {
      if (signal.aborted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          if (wakeCurrent === done) wakeCurrent = null;
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal.addEventListener("abort", done, { once: true });
        wakeCurrent = done;
      });
    },
    wake() {
      wakeCurrent?.();
    },
  };
}
