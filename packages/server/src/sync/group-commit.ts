import type { Store } from "../store/store.ts";
import {
  type BatchOutcome,
  type Commit,
  type DecidedOp,
  type PushJob,
  writeBatch,
} from "./push-batch.ts";
import { runTransaction, type TransactionOptions } from "./transaction.ts";

/** Called inside the push transaction after seqs are assigned, before COMMIT. */
export type BeforeCommit = (info: { conversationIds: string[]; seqs: number[] }) => Promise<void>;

/** Options of {@link GroupCommitter}. */
export interface GroupCommitOptions extends TransactionOptions {
  store: Store;
  /** A batch takes jobs while it has fewer ops than this; one larger job still goes alone. */
  maxBatchOps: number;
  beforeCommit?: BeforeCommit | undefined;
  /** Called after each COMMIT, before any caller of the batch resumes: the fanout. */
  onCommit?: ((commits: readonly Commit[]) => void) | undefined;
  /** Called when a batch failed as a whole and its jobs are written one by one. */
  onSplit?: ((error: unknown, jobs: number) => void) | undefined;
  /** Called when `onCommit` throws; the callers are acked all the same. */
  onFanoutError?: ((error: unknown) => void) | undefined;
}

/** One caller's share of a committed batch. */
export interface JobOutcome {
  decided: DecidedOp[];
  /** The batch's commits of the conversations this job wrote to. */
  commits: Commit[];
}

interface Waiting {
  job: PushJob;
  ops: number;
  resolve(outcome: JobOutcome): void;
  reject(error: unknown): void;
}

/**
 * Group commit: pushes that arrive while a batch is being written wait,
 * and are written together in the next transaction as soon as the
 * previous COMMIT returns, with no timer. One batch runs at a time, so a
 * conversation's commits are fanned out in seq order. A batch that fails
 * after its retries is written again job by job, so an op that breaks the
 * transaction fails only its own caller.
 */
export class GroupCommitter {
  readonly #options: GroupCommitOptions;
  #queue: Waiting[] = [];
  #running = false;

  constructor(options: GroupCommitOptions) {
    this.#options = options;
  }

  /** Queues a job and resolves with its results after the COMMIT that includes it. */
  submit(job: PushJob): Promise<JobOutcome> {
    let ops = 0;
    for (const group of job.groups.values()) ops += group.length;
    return new Promise((resolve, reject) => {
      this.#queue.push({ job, ops, resolve, reject });
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) await this.#runBatch(this.#takeBatch());
    } finally {
      this.#running = false;
    }
  }

  #takeBatch(): Waiting[] {
    let ops = 0;
    let count = 0;
    for (const waiting of this.#queue) {
      if (count > 0 && ops + waiting.ops > this.#options.maxBatchOps) break;
      ops += waiting.ops;
      count++;
    }
    return this.#queue.splice(0, count);
  }

  async #runBatch(batch: Waiting[]): Promise<void> {
    let outcome: BatchOutcome;
    try {
      outcome = await this.#write(batch.map((waiting) => waiting.job));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      this.#options.onSplit?.(error, batch.length);
      for (const waiting of batch) await this.#runBatch([waiting]);
      return;
    }
    this.#settle(batch, outcome);
  }

  #write(jobs: PushJob[]): Promise<BatchOutcome> {
    const { store, beforeCommit } = this.#options;
    return runTransaction(
      store,
      async (tx) => {
        const outcome = await writeBatch(tx, jobs);
        if (beforeCommit !== undefined) {
          const conversationIds = outcome.commits.map((commit) => commit.conversationId);
          const seqs = outcome.commits.flatMap((commit) => commit.events.map((e) => e.seq));
          await beforeCommit({ conversationIds, seqs });
        }
        return outcome;
      },
      this.#options,
    );
  }

  #settle(batch: readonly Waiting[], outcome: BatchOutcome): void {
    try {
      this.#options.onCommit?.(outcome.commits);
    } catch (error) {
      this.#options.onFanoutError?.(error);
    }
    batch.forEach((waiting, position) => {
      const commits = outcome.commits.filter((commit) =>
        waiting.job.groups.has(commit.conversationId),
      );
      waiting.resolve({ decided: outcome.decidedByJob[position] ?? [], commits });
    });
  }
}
