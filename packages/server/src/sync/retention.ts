import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import type { SqlRunner } from "../store/store.ts";

const dayMs = 86_400_000;

/**
 * Deletes up to `batchSize` events created before `cutoff` in one
 * statement, and returns how many it deleted. Each touched conversation's
 * `min_seq` moves past the newest deleted seq, and every event below it
 * goes too, so the retained log stays gap-free even when commit times and
 * seqs disagree by a few milliseconds. `last_seq` is never touched, so new
 * pushes keep getting new seqs.
 */
export async function deleteExpiredBatch(
  runner: SqlRunner,
  cutoff: Date,
  batchSize: number,
): Promise<number> {
  const rows = await runner.query<{ count: string | number }>(
    `WITH expired AS (
       SELECT conversation_id, seq FROM events
        WHERE created_at < $1 ORDER BY created_at LIMIT $2
     ), bounds AS (
       SELECT conversation_id, max(seq) AS max_seq FROM expired GROUP BY conversation_id
     ), moved AS (
       UPDATE conversations c SET min_seq = GREATEST(c.min_seq, b.max_seq + 1)
         FROM bounds b WHERE c.id = b.conversation_id
       RETURNING c.id, c.min_seq
     ), deleted AS (
       DELETE FROM events e USING moved m
        WHERE e.conversation_id = m.id AND e.seq < m.min_seq
       RETURNING 1
     )
     SELECT count(*) AS count FROM deleted`,
    [cutoff.toISOString(), batchSize],
  );
  return Number(rows[0]?.count ?? 0);
}

/** Options of {@link RetentionSweeper}. */
export interface RetentionOptions {
  runner: SqlRunner;
  logger: Logger;
  retentionDays: number;
  intervalMs: number;
  /** Rows deleted per statement. */
  batchSize?: number;
  /** Pause between two batches, so a large backlog does not hold the database busy. */
  batchPauseMs?: number;
  now?: () => number;
}

/**
 * Deletes events older than `retentionDays`, every `intervalMs`, in batches
 * until a batch comes back short. Each node may run one. Two sweeps at once
 * delete each row once, but may deadlock on the conversation rows, and the
 * failed one logs the error and tries again at the next interval.
 */
export class RetentionSweeper {
  readonly #options: RetentionOptions;
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<number> | undefined;

  constructor(options: RetentionOptions) {
    this.#options = options;
  }

  /** Starts sweeping: once now, then every interval. */
  start(): void {
    if (this.#timer !== undefined || this.#abort.signal.aborted) return;
    this.#timer = setInterval(() => void this.sweep(), this.#options.intervalMs);
    void this.sweep();
  }

  /**
   * Runs one sweep as of `nowMs`, or joins the one running, and returns how
   * many events it deleted.
   */
  sweep(nowMs = (this.#options.now ?? Date.now)()): Promise<number> {
    this.#sweeping ??= this.#sweepOnce(nowMs).finally(() => {
      this.#sweeping = undefined;
    });
    return this.#sweeping;
  }

  /** Stops the timer and waits for a running sweep. Safe to call twice. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#abort.abort();
    await this.#sweeping;
  }

  async #sweepOnce(nowMs: number): Promise<number> {
    const { runner, logger, retentionDays } = this.#options;
    const batchSize = this.#options.batchSize ?? 1000;
    const cutoff = new Date(nowMs - retentionDays * dayMs);
    let total = 0;
    try {
      while (!this.#abort.signal.aborted) {
        const deleted = await deleteExpiredBatch(runner, cutoff, batchSize);
        total += deleted;
        if (deleted < batchSize) break;
        await sleep(this.#options.batchPauseMs ?? 100, undefined, { signal: this.#abort.signal });
      }
    } catch (error) {
      if (!this.#abort.signal.aborted) {
        logger.error({ err: error, deleted: total }, "retention sweep failed");
      }
      return total;
    }
    if (total > 0) logger.info({ deleted: total, cutoff }, "retention sweep deleted events");
    return total;
  }
}
