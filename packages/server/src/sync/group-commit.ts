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
  /** Batches written at once, on separate connections; 1 unless set. */
  maxConcurrentBatches?: number | undefined;
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
 * Group commit: pushes that arrive while batches are being written wait,
 * and are written together in the next transaction as soon as one
 * finishes, with no timer. Up to `maxConcurrentBatches` run at once over
 * disjoint sets of conversations, so a conversation is in at most one
 * batch at a time and its commits are fanned out in seq order. A batch
 * that fails after its retries is written again job by job, so an op that
 * breaks the transaction fails only its own caller.
 */
export class GroupCommitter {
  readonly #options: GroupCommitOptions;
  #queue: Waiting[] = [];
  /** Conversations of the batches in flight. */
  readonly #busy = new Set<string>();
  #inFlight = 0;

  constructor(options: GroupCommitOptions) {
    this.#options = options;
  }

  /** Queues a job and resolves with its results after the COMMIT that includes it. */
  submit(job: PushJob): Promise<JobOutcome> {
    let ops = 0;
    for (const group of job.groups.values()) ops += group.length;
    return new Promise((resolve, reject) => {
      this.#queue.push({ job, ops, resolve, reject });
      this.#startBatches();
    });
  }

  #startBatches(): void {
    const limit = this.#options.maxConcurrentBatches ?? 1;
    while (this.#inFlight < limit && this.#queue.length > 0) {
      const batch = this.#takeBatch();
      if (batch.length === 0) return;
      const conversationIds = batch.flatMap((waiting) => [...waiting.job.groups.keys()]);
      for (const id of conversationIds) this.#busy.add(id);
      this.#inFlight++;
      void this.#runBatch(batch).finally(() => {
        for (const id of conversationIds) this.#busy.delete(id);
        this.#inFlight--;
        this.#startBatches();
      });
    }
  }

  /**
   * Takes waiting jobs in arrival order, skipping a job that touches a
   * conversation in flight and every later job of its conversations, so
   * each conversation's jobs are written in the order they arrived.
   */
  #takeBatch(): Waiting[] {
    const blocked = new Set(this.#busy);
    const batch: Waiting[] = [];
    const later: Waiting[] = [];
    let ops = 0;
    for (const waiting of this.#queue) {
      const ids = [...waiting.job.groups.keys()];
      const fits = batch.length === 0 || ops + waiting.ops <= this.#options.maxBatchOps;
      if (!fits || ids.some((id) => blocked.has(id))) {
        for (const id of ids) blocked.add(id);
        later.push(waiting);
        continue;
      }
      ops += waiting.ops;
      batch.push(waiting);
    }
    this.#queue = later;
    return batch;
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
