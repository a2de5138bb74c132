import type { Logger } from "pino";
import { type EventRow, eventColumns, toEvent } from "../store/event-rows.ts";
import type { SqlRunner } from "../store/store.ts";
import { listMemberIds } from "../sync/sequencer.ts";
import type { CommitNotice } from "./notifier.ts";
import type { SocketHub } from "./socket-hub.ts";

/** Events read for one catch-up; past this, the sockets get a bare notify and pull. */
const maxEventsPerRead = 200;

/** Conversations whose fanned-out seq is remembered; the oldest is forgotten past this. */
const maxTrackedConversations = 10_000;

interface Tracked {
  /** The highest seq this node has sent to its sockets. */
  fannedSeq: number;
  /** The highest seq that any node announced. */
  targetSeq: number;
  reading: boolean;
}

/**
 * Fans out commits made on other nodes to this node's sockets. A poke
 * names only a conversation and its latest seq. The events after the last
 * seq this node fanned out are read once per conversation, however many
 * pokes arrive during the read, and sent to the local members' sockets.
 */
export class RemoteFanout {
  readonly #byConversation = new Map<string, Tracked>();

  constructor(
    private readonly runner: SqlRunner,
    private readonly hub: SocketHub,
    private readonly logger: Logger,
  ) {}

  /**
   * Sends a local commit to the local sockets in seq order with the
   * commits of other nodes. It goes out at once when every earlier seq was
   * fanned out. A commit behind a gap (another node's commit that no poke
   * has brought yet) or behind a read in flight is read back from the
   * store by the catch-up instead, after the events before it. A commit
   * that a catch-up already sent is dropped.
   */
  publishLocal(notice: CommitNotice): void {
    const tracked = this.#byConversation.get(notice.conversationId);
    const firstSeq = notice.events[0]?.seq ?? notice.latestSeq + 1;
    if (tracked !== undefined && notice.latestSeq <= tracked.fannedSeq) return;
    const inOrder =
      tracked === undefined || (!tracked.reading && tracked.fannedSeq === firstSeq - 1);
    if (inOrder) {
      this.hub.publish(notice);
      this.noteLocal(notice.conversationId, notice.latestSeq);
      return;
    }
    // NOTE: the catch-up sends to the members read after COMMIT, so a member
    // removed by this commit misses its last notify when it takes this path.
    this.poke(notice.conversationId, notice.latestSeq);
  }

  /** Records a local commit, whose events the hub has already sent. */
  noteLocal(conversationId: string, latestSeq: number): void {
    const tracked = this.#track(conversationId, latestSeq);
    tracked.fannedSeq = Math.max(tracked.fannedSeq, latestSeq);
    tracked.targetSeq = Math.max(tracked.targetSeq, latestSeq);
  }

  /** Starts tracking a conversation at a seq read from the database, unless it is tracked. */
  seed(conversationId: string, latestSeq: number): void {
    this.#track(conversationId, latestSeq);
  }

  /** Handles a poke from another node. */
  poke(conversationId: string, latestSeq: number): void {
    const tracked = this.#track(conversationId, undefined);
    tracked.targetSeq = Math.max(tracked.targetSeq, latestSeq);
    if (tracked.reading || tracked.targetSeq <= tracked.fannedSeq) return;
    tracked.reading = true;
    void this.#catchUp(conversationId, tracked).finally(() => {
      tracked.reading = false;
    });
  }

  /**
   * Sends a bare notify with the latest seq of every conversation that a
   * local socket's user belongs to, so the clients pull what they missed.
   */
  async resync(): Promise<void> {
    const userIds = this.hub.userIds();
    if (userIds.length === 0) return;
    const rows = await this.runner.query<{
      id: string;
      last_seq: string | number;
      user_id: string;
    }>(
      `SELECT c.id, c.last_seq, m.user_id FROM members m
         JOIN conversations c ON c.id = m.conversation_id
        WHERE m.user_id = ANY($1::text[]) AND m.removed_at IS NULL`,
      [userIds],
    );
    for (const row of rows) {
      const latestSeq = Number(row.last_seq);
      this.noteLocal(row.id, latestSeq);
      this.hub.send({ type: "notify", conversationId: row.id, latestSeq }, [row.user_id]);
    }
  }

  #track(conversationId: string, knownSeq: number | undefined): Tracked {
    let tracked = this.#byConversation.get(conversationId);
    if (tracked !== undefined) return tracked;
    // An unknown conversation starts at -1, so its first fanout is a bare notify.
    tracked = { fannedSeq: knownSeq ?? -1, targetSeq: knownSeq ?? -1, reading: false };
    this.#byConversation.set(conversationId, tracked);
    if (this.#byConversation.size > maxTrackedConversations) {
      const oldest = this.#byConversation.keys().next().value;
      if (oldest !== undefined) this.#byConversation.delete(oldest);
    }
    return tracked;
  }

  async #catchUp(conversationId: string, tracked: Tracked): Promise<void> {
    try {
      while (tracked.targetSeq > tracked.fannedSeq) {
        const fromSeq = tracked.fannedSeq;
        const toSeq = tracked.targetSeq;
        await this.#fanOut(conversationId, fromSeq, toSeq);
        tracked.fannedSeq = Math.max(tracked.fannedSeq, toSeq);
      }
    } catch (error) {
      this.logger.warn({ err: error, conversationId }, "remote fanout read failed");
      // The next poke retries the read from the same seq.
    }
  }

  async #fanOut(conversationId: string, fromSeq: number, toSeq: number): Promise<void> {
    const memberIds = await listMemberIds(this.runner, conversationId);
    const localIds = this.hub.localUserIds(memberIds);
    if (localIds.length === 0) return;
    const bare = fromSeq < 0 || toSeq - fromSeq > maxEventsPerRead;
    if (bare || !this.hub.inlinesEvents(memberIds.length)) {
      this.hub.send({ type: "notify", conversationId, latestSeq: toSeq }, localIds);
      return;
    }
    const rows = await this.runner.query<EventRow>(
      `SELECT ${eventColumns} FROM events
        WHERE conversation_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq`,
      [conversationId, fromSeq, toSeq],
    );
    const events = rows.map(toEvent);
    this.hub.publish({
      conversationId,
      latestSeq: toSeq,
      events,
      memberIds: localIds,
      memberCount: memberIds.length,
    });
  }
}
