import type { LockManagerLike } from "../tab-leader.ts";

interface LockRequest {
  callback: () => Promise<void>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * An exclusive Web Locks stand-in for one process, for tabs simulated as
 * clients in one test. Requests for a name are granted in order. A request
 * with `steal` is granted at once and rejects the holder's promise with an
 * `AbortError`, as browsers do.
 */
export class FakeLocks implements LockManagerLike {
  /** How many requests with `steal` were made. */
  steals = 0;
  private readonly holders = new Map<string, LockRequest>();
  private readonly queues = new Map<string, LockRequest[]>();

  request(
    name: string,
    options: { signal?: AbortSignal; steal?: boolean },
    callback: () => Promise<void>,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const request: LockRequest = { callback, resolve, reject };
      if (options.steal === true) {
        this.steals += 1;
        const holder = this.holders.get(name);
        this.holders.delete(name);
        holder?.reject(new DOMException("The lock was stolen.", "AbortError"));
        this.grant(name, request);
        return;
      }
      const { signal } = options;
      if (signal?.aborted) {
        reject(new DOMException("The request was aborted.", "AbortError"));
        return;
      }
      const queue = this.queues.get(name) ?? [];
      this.queues.set(name, queue);
      queue.push(request);
      signal?.addEventListener(
        "abort",
        () => {
          const index = queue.indexOf(request);
          if (index === -1) return;
          queue.splice(index, 1);
          reject(new DOMException("The request was aborted.", "AbortError"));
        },
        { once: true },
      );
      this.grantNext(name);
    });
  }

  private grant(name: string, request: LockRequest): void {
    this.holders.set(name, request);
    const finish = (settle: () => void) => {
      // A holder whose lock was stolen already had its promise rejected.
      if (this.holders.get(name) !== request) return;
      this.holders.delete(name);
      settle();
      this.grantNext(name);
    };
    Promise.resolve()
      .then(() => request.callback())
      .then(
        (value) => finish(() => request.resolve(value)),
        (error: unknown) => finish(() => request.reject(error)),
      );
  }

  private grantNext(name: string): void {
    if (this.holders.has(name)) return;
    const next = this.queues.get(name)?.shift();
    if (next !== undefined) this.grant(name, next);
  }
}
