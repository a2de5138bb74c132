import type { BatchPullEntry, NotifyFrame, Op, PushOk, PushResult } from "@syncline/protocol";
import { backoffDelayMs, defaultBackoff, reconnectDelayMs } from "../backoff.ts";
import { errorAction, type SyncErrorCode } from "../errors.ts";
import * as store from "./client-store.ts";
import type { SimContext } from "./context.ts";
import { sendRequest } from "./sim-request.ts";

const pushBatchSize = 5;
const pullLimit = 3;
const deliveredIntervalMs = 1_000;

/**
 * One device running the SDK's push loop, pull loop, notify handling,
 * read sender and reconnects (modelled from SPEC.md, because the real
 * loops run on Dexie, fetch and timers). Backoff delays and error actions
 * are the SDK's own functions. `durable` survives a crash; every other
 * field is memory that a crash loses.
 */
export class SimClient {
  durable: store.DurableState;
  up = true;
  /** Crash count. Responses and frames addressed to an older incarnation are lost. */
  incarnation = 0;
  connected = false;
  private connecting = false;
  private reconnectAttempt = 0;
  private pushing = false;
  /** Set while the push loop waits out a backoff; a kick ends the wait (SPEC, push loop). */
  private pushRetryWait: number | undefined;
  private pushWaits = 0;
  private pushAttempt = 0;
  private pulling = false;
  private pullQueue = new Set<string>();
  private pullAttempt = 0;
  private readsInFlight = new Set<string>();
  /** Virtual time of the last `delivered` report, per conversation. */
  private deliveredReportMs = new Map<string, number>();
  private deliveredFlushes = new Set<string>();
  private readonly random: () => number;

  constructor(
    readonly deviceId: string,
    readonly userId: string,
    readonly conversationIds: readonly string[],
    private readonly context: SimContext,
  ) {
    this.durable = store.createDurableState(conversationIds);
    this.random = () => context.prng.next();
  }

  start(): void {
    this.up = true;
    this.connect();
    this.kickPush();
    this.sendPendingReads();
  }

  /** Loses all memory; the durable state stays as the last transaction left it. */
  crash(): void {
    this.up = false;
    this.incarnation++;
    this.connected = false;
    this.connecting = false;
    this.pushing = false;
    this.pushRetryWait = undefined;
    this.pulling = false;
    this.pullQueue.clear();
    this.readsInFlight.clear();
    this.deliveredReportMs.clear();
    this.deliveredFlushes.clear();
  }

  /** Models the app calling `sync()`: pull every conversation and kick the push loop. */
  sync(): void {
    if (!this.up) return;
    if (!this.connected) this.connect();
    this.requestPull(this.conversationIds);
    this.kickPush();
    this.sendPendingReads();
  }

  send(op: Op): void {
    store.enqueue(this.durable, op);
    this.kickPush();
  }

  markRead(conversationId: string, seq: number): void {
    store.markReadLocally(this.durable, conversationId, seq);
    this.sendPendingReads();
  }

  onSocketClosed(): void {
    this.connected = false;
    this.scheduleReconnect(1012);
  }

  /** Applies a notify as `applyNotify` does: store inline events, pull on a gap. */
  onNotify(frame: NotifyFrame): void {
    const cursor = store.storeEvents(
      this.durable,
      this.userId,
      frame.conversationId,
      frame.events ?? [],
      this.context.bugs,
    );
    this.reportDelivered(frame.conversationId);
    if (cursor < frame.latestSeq) this.requestPull([frame.conversationId]);
  }

  onReadFrame(conversationId: string, seq: number): void {
    store.raiseReadSeq(this.durable, conversationId, seq);
  }

  private connect(): void {
    if (this.connected || this.connecting) return;
    this.connecting = true;
    sendRequest(this.context, this, {
      label: "auth",
      handle: () => this.context.openSocket(this),
      onResponse: () => {
        this.connecting = false;
        this.connected = true;
        this.reconnectAttempt = 0;
        for (const id of this.conversationIds) this.reportDelivered(id);
        this.requestPull(this.conversationIds);
        this.kickPush();
        this.sendPendingReads();
      },
      onFailure: () => {
        this.connecting = false;
        this.scheduleReconnect(undefined);
      },
    });
  }

  private scheduleReconnect(closeCode: number | undefined): void {
    const delayMs = reconnectDelayMs(
      this.reconnectAttempt++,
      closeCode,
      defaultBackoff,
      this.random,
    );
    this.after(delayMs, "reconnect", () => this.connect());
  }

  private kickPush(): void {
    if (!this.up) return;
    // A push in flight reads the outbox again when it ends, so only a backoff wait needs ending.
    if (this.pushing && this.pushRetryWait === undefined) return;
    this.pushRetryWait = undefined;
    this.drainOutbox();
  }

  /** Runs one round of the push loop: push up to a batch of pending rows in send order. */
  private drainOutbox(): void {
    const rows = this.durable.outbox.filter((row) => row.state === "pending");
    const ops = rows.slice(0, pushBatchSize).map((row) => row.op);
    if (ops.length === 0) {
      this.pushing = false;
      return;
    }
    this.pushing = true;
    if (this.context.bugs.dropOutboxOnSend) {
      const sent = new Set(ops.map((op) => op.clientId));
      this.durable.outbox = this.durable.outbox.filter((row) => !sent.has(row.op.clientId));
    }
    sendRequest(this.context, this, {
      label: `push ${ops.map((op) => op.clientId).join(",")}`,
      handle: (server) => {
        const outcome = server.push(this.userId, ops, this.context.scheduler.nowMs);
        this.context.fanout(outcome.committed);
        return outcome.results;
      },
      onResponse: (results) => this.onPushResults(ops, results),
      onFailure: () => this.retryPush(),
    });
  }

  private onPushResults(ops: readonly Op[], results: readonly PushResult[]): void {
    const acked: Array<{ op: Op; result: PushOk }> = [];
    let retry = false;
    results.forEach((result, index) => {
      const op = ops[index];
      if (op === undefined) return;
      if (result.status === "ok") acked.push({ op, result });
      else if (errorAction(result.code as SyncErrorCode) === "retry") retry = true;
      else store.markFailed(this.durable, op.clientId, result.code);
    });
    store.ack(this.durable, this.userId, acked, this.context.bugs);
    if (retry) {
      this.retryPush();
      return;
    }
    this.pushAttempt = 0;
    this.drainOutbox();
  }

  private retryPush(): void {
    const delayMs = backoffDelayMs(this.pushAttempt++, defaultBackoff, this.random);
    const wait = ++this.pushWaits;
    this.pushRetryWait = wait;
    this.after(delayMs, "push retry", () => {
      if (this.pushRetryWait !== wait) return;
      this.pushRetryWait = undefined;
      this.drainOutbox();
    });
  }

  private requestPull(conversationIds: readonly string[]): void {
    if (!this.up) return;
    for (const id of conversationIds) this.pullQueue.add(id);
    if (!this.pulling) this.pullQueued();
  }

  /** Pulls every queued conversation from its stored cursor in one batched pull. */
  private pullQueued(): void {
    const ids = [...this.pullQueue];
    this.pullQueue.clear();
    if (ids.length === 0) {
      this.pulling = false;
      return;
    }
    this.pulling = true;
    const cursors = Object.fromEntries(ids.map((id) => [id, this.durable.cursors.get(id) ?? 0]));
    sendRequest(this.context, this, {
      label: `pull ${JSON.stringify(cursors)}`,
      handle: (server) => server.pull(this.userId, cursors, pullLimit),
      onResponse: (pages) => {
        this.pullAttempt = 0;
        for (const [id, page] of Object.entries(pages)) this.applyPage(id, page);
        this.pullQueued();
      },
      onFailure: () => {
        for (const id of ids) this.pullQueue.add(id);
        const delayMs = backoffDelayMs(this.pullAttempt++, defaultBackoff, this.random);
        this.after(delayMs, "pull retry", () => this.pullQueued());
      },
    });
  }

  /**
   * Applies one page in one transaction. The simulated server never
   * recreates a log, so the epoch always matches.
   * TODO: model epoch changes and `cursor_ahead` resets (SPEC pull step 1),
   * because the server model has no log restore yet.
   */
  private applyPage(conversationId: string, page: BatchPullEntry): void {
    if (!("events" in page)) return;
    store.storeEvents(this.durable, this.userId, conversationId, page.events, this.context.bugs);
    this.reportDelivered(conversationId);
    if (page.hasMore) this.pullQueue.add(conversationId);
  }

  /**
   * Reports the cursor as a `delivered` frame at most once per conversation
   * per second, always with the newest cursor at the time it goes out.
   */
  private reportDelivered(conversationId: string): void {
    if (!this.connected || this.deliveredFlushes.has(conversationId)) return;
    const nowMs = this.context.scheduler.nowMs;
    const lastMs = this.deliveredReportMs.get(conversationId);
    const waitMs = lastMs === undefined ? 0 : Math.max(0, lastMs + deliveredIntervalMs - nowMs);
    this.deliveredFlushes.add(conversationId);
    this.after(waitMs, `delivered report ${conversationId}`, () => {
      this.deliveredFlushes.delete(conversationId);
      this.deliveredReportMs.set(conversationId, this.context.scheduler.nowMs);
      const seq = this.durable.cursors.get(conversationId) ?? 0;
      this.context.sendDelivered(this, conversationId, seq);
    });
  }

  private sendPendingReads(): void {
    if (!this.up) return;
    for (const [conversationId, seq] of this.durable.pendingReads) {
      if (this.readsInFlight.has(conversationId)) continue;
      this.readsInFlight.add(conversationId);
      sendRequest(this.context, this, {
        label: `read ${conversationId}@${seq}`,
        handle: (server) => {
          const readSeq = server.markRead(this.userId, conversationId, seq);
          this.context.fanoutRead(this.userId, conversationId, readSeq);
          return readSeq;
        },
        onResponse: (readSeq) => {
          this.readsInFlight.delete(conversationId);
          store.confirmRead(this.durable, conversationId, readSeq);
          if (this.durable.pendingReads.has(conversationId)) this.sendPendingReads();
        },
        onFailure: () => {
          this.readsInFlight.delete(conversationId);
          // TODO: grow the read sender's backoff per attempt like the SDK's, because a fixed
          // attempt 1 is all the model does today.
          this.after(backoffDelayMs(1, defaultBackoff, this.random), "read retry", () =>
            this.sendPendingReads(),
          );
        },
      });
    }
  }

  /** Runs `action` after a delay unless the device crashed in between. */
  private after(delayMs: number, label: string, action: () => void): void {
    const incarnation = this.incarnation;
    this.context.scheduler.at(delayMs, `${this.deviceId} ${label}`, () => {
      if (this.up && incarnation === this.incarnation) action();
    });
  }
}
