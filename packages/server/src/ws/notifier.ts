import type { Event, ServerFrame } from "@syncline/protocol";

/** Events committed in one conversation, to send to its members' sockets. */
export interface CommitNotice {
  conversationId: string;
  latestSeq: number;
  /** The new events in seq order; empty for a conversation just created. */
  events: readonly Event[];
  memberIds: readonly string[];
  /**
   * The conversation's member count when `memberIds` lists only some
   * members, as on a node that serves a few of them; defaults to its length.
   */
  memberCount?: number;
}

/**
 * The fanout seam: the routes hand every commit and live frame to a
 * Notifier, which delivers it to the sockets of the named users. The local
 * socket hub is one implementation; `PgNotifier` also reaches the other
 * nodes of one Postgres database.
 */
export interface Notifier {
  /** Sends a `notify` frame to every socket of every member. */
  publish(notice: CommitNotice): void;
  /** Sends a frame to every socket of the given users. */
  send(frame: ServerFrame, userIds: readonly string[]): void;
}
