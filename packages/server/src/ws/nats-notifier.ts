import { randomUUID } from "node:crypto";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { connect } from "@nats-io/transport-node";
import type { ServerFrame } from "@syncline/protocol";
import type { Logger } from "pino";
import type { SqlRunner } from "../store/store.ts";
import { resolveSubjectPrefix } from "./nats-subject-prefix.ts";
import { type NatsSubjects, natsSubjects } from "./nats-subjects.ts";
import type { CommitNotice, Notifier } from "./notifier.ts";
import {
  type PresenceChannel,
  type PresenceMessage,
  parsePresenceMessage,
} from "./presence-channel.ts";
import { RemoteFanout } from "./remote-fanout.ts";
import type { SocketHub } from "./socket-hub.ts";

/** A NATS message: a poke, or a live frame for the named users. */
interface NatsMessage {
  node: string;
  conversationId: string;
  latestSeq?: number;
  frame?: ServerFrame;
  userIds?: readonly string[];
}

/** Options of {@link NatsNotifier}. */
export interface NatsNotifierOptions {
  natsUrl: string;
  /** The cluster's subject prefix, or undefined to derive one from the database identity. */
  subjectPrefix: string | undefined;
  runner: SqlRunner;
  hub: SocketHub;
  logger: Logger;
}

/** A presence message on the presence subject. */
interface NatsPresenceMessage {
  node: string;
  presence: unknown;
}

/**
 * A {@link Notifier} for several nodes that share NATS. Each conversation
 * has its own subject, and a node subscribes only to the conversations
 * whose members have sockets on it. A user subject tells a node to
 * subscribe when one of its users is added to a conversation. Presence
 * messages use one subject per cluster, which every node subscribes to.
 * All subjects are under the cluster's prefix (see `resolveSubjectPrefix`).
 */
export class NatsNotifier implements Notifier, PresenceChannel {
  readonly nodeId = randomUUID();
  onPresence: ((nodeId: string, message: PresenceMessage) => void) | undefined;
  readonly #options: NatsNotifierOptions;
  readonly #remote: RemoteFanout;
  readonly #subscriptions = new Map<string, { subscription: Subscription; users: Set<string> }>();
  readonly #userSubscriptions = new Map<string, Subscription>();
  #connection: NatsConnection | undefined;
  #subjects: NatsSubjects | undefined;

  constructor(options: NatsNotifierOptions) {
    this.#options = options;
    this.#remote = new RemoteFanout(options.runner, options.hub, options.logger);
  }

  /** Connects to NATS, subscribes to presence and follows the hub's users from now on. */
  async start(): Promise<void> {
    const { prefix, source } = await resolveSubjectPrefix(
      this.#options.runner,
      this.#options.subjectPrefix,
    );
    const subjects = natsSubjects(prefix);
    const connection = await connect({ servers: this.#options.natsUrl, name: "syncline" });
    this.#connection = connection;
    this.#subjects = subjects;
    this.#options.logger.info({ subjectPrefix: prefix, source }, "NATS subject prefix chosen");
    this.#subscribe(subjects.presence, (data) => this.#receivePresence(data));
    // The presence subscription must reach the server before `hello` goes out, or the replies are lost.
    await connection.flush();
    this.#options.hub.onUserPresence = (userId, present) => {
      const change = present ? this.#follow(userId) : this.#unfollow(userId);
      change.catch((error: unknown) => {
        this.#options.logger.error({ err: error, userId }, "NATS subscription change failed");
      });
    };
    void this.#watchStatus(connection);
  }

  publish(notice: CommitNotice): void {
    this.#remote.publishLocal(notice);
    const message: NatsMessage = {
      node: this.nodeId,
      conversationId: notice.conversationId,
      latestSeq: notice.latestSeq,
    };
    const subjects = this.#subjects;
    if (subjects === undefined) return;
    this.#send(subjects.conversation(notice.conversationId), message);
    // A new conversation or a new member may not be followed yet by the member's node.
    const joined =
      notice.events.length === 0 || notice.events.some((e) => e.type === "member.added");
    if (!joined) return;
    for (const memberId of notice.memberIds) this.#send(subjects.user(memberId), message);
  }

  send(frame: ServerFrame, userIds: readonly string[]): void {
    this.#options.hub.send(frame, userIds);
    if (!("conversationId" in frame) || this.#subjects === undefined) return;
    const message = { node: this.nodeId, conversationId: frame.conversationId, frame, userIds };
    this.#send(this.#subjects.conversation(frame.conversationId), message);
  }

  sendPresence(message: PresenceMessage): void {
    if (this.#subjects === undefined) return;
    const envelope: NatsPresenceMessage = { node: this.nodeId, presence: message };
    try {
      this.#connection?.publish(this.#subjects.presence, JSON.stringify(envelope));
    } catch (error) {
      this.#options.logger.error(
        { err: error, kind: message.kind },
        "NATS publish of presence failed",
      );
    }
  }

  /** Drains the NATS connection; idempotent. */
  async close(): Promise<void> {
    this.#options.hub.onUserPresence = undefined;
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection !== undefined && !connection.isClosed()) await connection.drain();
  }

  #send(subject: string, message: NatsMessage): void {
    try {
      this.#connection?.publish(subject, JSON.stringify(message));
    } catch (error) {
      this.#options.logger.error({ err: error, subject }, "NATS publish failed");
    }
  }

  #receive(data: string): void {
    const message = JSON.parse(data) as NatsMessage;
    if (message.node === this.nodeId) return;
    if (message.frame !== undefined) {
      this.#options.hub.send(message.frame, message.userIds ?? []);
    } else if (message.latestSeq !== undefined) {
      this.#remote.poke(message.conversationId, message.latestSeq);
    }
  }

  #receivePresence(data: string): void {
    const envelope = JSON.parse(data) as NatsPresenceMessage;
    if (envelope.node === this.nodeId) return;
    const presence = parsePresenceMessage(envelope.presence);
    if (presence === undefined) {
      this.#options.logger.warn({ nodeId: envelope.node }, "invalid presence message ignored");
      return;
    }
    this.onPresence?.(envelope.node, presence);
  }

  #subscribe(subject: string, onMessage: (data: string) => void): Subscription | undefined {
    return this.#connection?.subscribe(subject, {
      callback: (error, message) => {
        if (error !== null) {
          this.#options.logger.warn({ err: error, subject }, "NATS subscription failed");
          return;
        }
        try {
          onMessage(message.string());
        } catch (failure) {
          this.#options.logger.warn({ err: failure, subject }, "unreadable NATS message ignored");
        }
      },
    });
  }

  async #follow(userId: string): Promise<void> {
    const onUserMessage = (data: string) => {
      const message = JSON.parse(data) as NatsMessage;
      this.#join(message.conversationId, userId);
      this.#receive(data);
    };
    const subjects = this.#subjects;
    if (subjects === undefined) return;
    const userSubscription = this.#subscribe(subjects.user(userId), onUserMessage);
    if (userSubscription !== undefined) this.#userSubscriptions.set(userId, userSubscription);
    const before = await this.#readHeads(userId);
    for (const [conversationId, latestSeq] of before) {
      this.#remote.seed(conversationId, latestSeq);
      this.#join(conversationId, userId);
    }
    // Commits made before the subscriptions reached the server sent pokes that
    // this node missed, so the heads are read again once NATS has the subscriptions.
    await this.#connection?.flush();
    for (const [conversationId, latestSeq] of await this.#readHeads(userId)) {
      this.#remote.poke(conversationId, latestSeq);
    }
  }

  async #readHeads(userId: string): Promise<Map<string, number>> {
    const rows = await this.#options.runner.query<{ id: string; last_seq: string | number }>(
      `SELECT c.id, c.last_seq FROM members m JOIN conversations c ON c.id = m.conversation_id
        WHERE m.user_id = $1 AND m.removed_at IS NULL`,
      [userId],
    );
    return new Map(rows.map((row) => [row.id, Number(row.last_seq)]));
  }

  #join(conversationId: string, userId: string): void {
    const known = this.#subscriptions.get(conversationId);
    if (known !== undefined) {
      known.users.add(userId);
      return;
    }
    if (this.#subjects === undefined) return;
    const subject = this.#subjects.conversation(conversationId);
    const subscription = this.#subscribe(subject, (data) => this.#receive(data));
    if (subscription !== undefined) {
      this.#subscriptions.set(conversationId, { subscription, users: new Set([userId]) });
    }
  }

  async #unfollow(userId: string): Promise<void> {
    this.#userSubscriptions.get(userId)?.unsubscribe();
    this.#userSubscriptions.delete(userId);
    for (const [conversationId, entry] of this.#subscriptions) {
      entry.users.delete(userId);
      if (entry.users.size > 0) continue;
      entry.subscription.unsubscribe();
      this.#subscriptions.delete(conversationId);
    }
  }

  /** After a NATS reconnect, messages of the gap are lost, so local sockets pull. */
  async #watchStatus(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type !== "reconnect") continue;
      this.#options.logger.warn("NATS connection re-established; sockets will pull");
      // Presence messages of the gap are lost, so the other nodes send their holds again.
      if (this.onPresence !== undefined) this.sendPresence({ kind: "hello" });
      await this.#remote.resync().catch((error: unknown) => {
        this.#options.logger.error({ err: error }, "resync after NATS reconnect failed");
      });
    }
  }
}
