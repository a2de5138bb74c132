import { Worker } from "node:worker_threads";
import type {
  SerializedError,
  WorkerOptions,
  WorkerRequest,
  WorkerStatus,
} from "./pglite-worker-messages.ts";

/** The worker entry, plain JavaScript so that it loads without a TypeScript loader. */
const workerEntry = new URL("./pglite-worker.mjs", import.meta.url);

/** How long {@link PgliteWorkerClient.close} waits for the thread to end before terminating it. */
const exitTimeoutMs = 5_000;

/** A request as the caller writes it: the client adds the `id`. */
type NewRequest = WorkerRequest extends infer R
  ? R extends WorkerRequest
    ? Omit<R, "id">
    : never
  : never;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * The main thread's side of the PGlite worker: sends requests, matches
 * replies by id, and fails every pending and later request fast once the
 * thread is gone. The thread keeps the process alive only while a request
 * is pending, because PGlite in the main thread kept nothing alive.
 */
export class PgliteWorkerClient {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  /** Set once the thread has exited: the error that every request then fails with. */
  #exitError: Error | undefined;
  #closing: Promise<void> | undefined;
  #hasExited = false;
  readonly #exited: Promise<void>;

  private constructor(worker: Worker) {
    this.#worker = worker;
    this.#exited = new Promise((resolve) => worker.once("exit", () => resolve()));
    worker.on("message", (message: WorkerStatus) => {
      if (message.type === "reply") this.#settle(message);
    });
    // An uncaught exception in the thread arrives here just before "exit".
    worker.on("error", (error) => this.#fail(unavailableError(`failed: ${error.message}`)));
    // TODO: start a new thread after an unexpected exit; until then every call
    // fails with 08006 and /readyz stays 503 until the process restarts.
    worker.on("exit", (exitCode) => {
      this.#hasExited = true;
      const closed = this.#closing !== undefined && exitCode === 0;
      this.#fail(closed ? closedError() : unavailableError(`exited with code ${exitCode}`));
    });
  }

  /**
   * Starts the thread and waits until PGlite is open and migrated. A
   * startup failure rejects with the worker's error, its `code` intact.
   */
  static async start(options: WorkerOptions): Promise<PgliteWorkerClient> {
    const worker = new Worker(workerEntry, { workerData: options });
    try {
      await waitForReady(worker);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    worker.unref();
    return new PgliteWorkerClient(worker);
  }

  /** Sends one request and resolves with the worker's reply value. */
  request(request: NewRequest): Promise<unknown> {
    if (this.#exitError !== undefined) return Promise.reject(this.#exitError);
    const id = this.#nextId++;
    const reply = new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    try {
      this.#worker.postMessage({ ...request, id });
    } catch (error) {
      // A parameter that structured clone cannot copy, such as a function.
      this.#pending.delete(id);
      return Promise.reject(error);
    }
    if (this.#pending.size === 1) this.#worker.ref();
    return reply;
  }

  /** Closes PGlite in the thread, then waits for the thread to end; idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** Ends the thread at once, as a crash would; for tests of a dead worker. */
  async terminate(): Promise<void> {
    await this.#worker.terminate();
  }

  async #close(): Promise<void> {
    try {
      if (this.#exitError === undefined) await this.request({ op: "close" });
    } catch (error) {
      // A thread that is already gone has nothing left to close.
      if (error !== this.#exitError) throw error;
    } finally {
      await this.#waitForExit();
    }
  }

  async #waitForExit(): Promise<void> {
    if (this.#hasExited) return;
    this.#worker.ref();
    const timer = setTimeout(() => void this.#worker.terminate(), exitTimeoutMs);
    await this.#exited;
    clearTimeout(timer);
  }

  #settle(reply: Extract<WorkerStatus, { type: "reply" }>): void {
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(deserializeError(reply.error));
  }

  #fail(error: Error): void {
    this.#exitError ??= error;
    for (const pending of this.#pending.values()) pending.reject(this.#exitError);
    this.#pending.clear();
  }
}

/** Resolves once the worker reports PGlite open and migrated; rejects when its startup fails. */
function waitForReady(worker: Worker): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onMessage = (message: WorkerStatus) => {
      if (message.type === "ready") settle();
      if (message.type === "failed") settle(deserializeError(message.error));
    };
    const onError = (error: Error) => settle(error);
    const onExit = (exitCode: number) => {
      settle(unavailableError(`exited with code ${exitCode} while starting`));
    };
    // Only these listeners go afterwards, because removeAllListeners would also drop Node's own.
    const settle = (error?: Error) => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
      if (error === undefined) resolve();
      else reject(error);
    };
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
  });
}

/** Rebuilds a worker error on this thread, with its Postgres fields as properties. */
function deserializeError(serialized: SerializedError): Error {
  const error = new Error(serialized.message);
  error.name = serialized.name;
  Object.assign(error, serialized.fields);
  return error;
}

/**
 * Creates the error of a worker that is gone. SQLSTATE 08006 (connection failure)
 * makes routes return 503 `unavailable`, as for a lost Postgres connection.
 */
function unavailableError(event: string): Error {
  return Object.assign(new Error(`The PGlite worker thread ${event}; restart the server.`), {
    code: "08006",
  });
}

/** Creates the error of a request after close, with the message PGlite itself uses. */
function closedError(): Error {
  return Object.assign(new Error("PGlite is closed"), { code: "08003" });
}
