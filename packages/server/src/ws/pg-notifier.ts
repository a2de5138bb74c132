import { randomUUID } from "node:crypto";
import type { ServerFrame } from "@syncline/protocol";
import type { Logger } from "pino";
import type { SqlRunner } from "../store/store.ts";
import { ListenConnection } from "./listen-connection.ts";
import type { CommitNotice, Notifier } from "./notifier.ts";
import {
  type PresenceChannel,
  type PresenceMessage,
  parsePresenceMessage,
} from "./presence-channel.ts";
import { RemoteFanout } from "./remote-fanout.ts";
import type { SocketHub } from "./socket-hub.ts";

/** The NOTIFY channel that every node of one database shares. */
export const fanoutChannel = "syncline_fanout";

/** NOTIFY payloads must stay under 8000 bytes; this leaves room for the envelope. */
const maxPayloadBytes = 7000;

/** A live frame relayed to another node's sockets of the named users. */
interface RelayedFrame {
  frame: ServerFrame;
  userIds: readonly string[];
}

/**
 * One NOTIFY payload: pokes as `[conversationId, latestSeq]` and small live
 * frames, or a presence message, or a heartbeat ping.
 */
interface FanoutMessage {
  node: string;
  pokes?: [string, number][];
  frames?: RelayedFrame[];
  presence?: PresenceMessage;
  ping?: string;
}

/** Options of {@link PgNotifier}. */
export interface PgNotifierOptions {
  url: string;
  /** Runs NOTIFY and the catch-up reads, outside any write transaction. */
  runner: SqlRunner;
  hub: SocketHub;
  logger: Logger;
  heartbeatMs: number;
}

/**
 * A {@link Notifier} for several nodes on one Postgres. Local sockets get
 * each commit at once through the hub. Other nodes get one NOTIFY per
 * tick carrying every (conversationId, latestSeq) poke and live frame of
 * that tick, and read the events themselves. Presence messages go in
 * their own NOTIFYs, sent one after another so other nodes get them in order.
 */
export class PgNotifier implements Notifier, PresenceChannel {
  readonly nodeId = randomUUID();
  onPresence: ((nodeId: string, message: PresenceMessage) => void) | undefined;
  readonly #options: PgNotifierOptions;
  readonly #remote: RemoteFanout;
  readonly #listen: ListenConnection;
  #pokes = new Map<string, number>();
  #frames: RelayedFrame[] = [];
  #flushScheduled = false;
  #sending: Promise<void> = Promise.resolve();

  constructor(options: PgNotifierOptions) {
    this.#options = options;
    this.#remote = new RemoteFanout(options.runner, options.hub, options.logger);
    this.#listen = new ListenConnection({
      url: options.url,
      channel: fanoutChannel,
      heartbeatMs: options.heartbeatMs,
      logger: options.logger,
      onPayload: (payload) => this.#receive(payload),
      onReconnect: () => {
        this.#remote.resync().catch((error: unknown) => {
          options.logger.error({ err: error }, "resync after LISTEN reconnect failed");
        });
        // Presence messages of the gap are lost, so the other nodes send their holds again.
        if (this.onPresence !== undefined) this.sendPresence({ kind: "hello" });
      },
      sendPing: (token) => this.#notify({ node: this.nodeId, ping: token }),
    });
  }

  /** Opens the LISTEN connection. */
  start(): Promise<void> {
    return this.#listen.start();
  }

  publish(notice: CommitNotice): void {
    this.#remote.publishLocal(notice);
    const known = this.#pokes.get(notice.conversationId) ?? -1;
    this.#pokes.set(notice.conversationId, Math.max(known, notice.latestSeq));
    this.#scheduleFlush();
  }

  send(frame: ServerFrame, userIds: readonly string[]): void {
    this.#options.hub.send(frame, userIds);
    this.#frames.push({ frame, userIds });
    this.#scheduleFlush();
  }

  sendPresence(message: PresenceMessage): void {
    const payload: FanoutMessage = { node: this.nodeId, presence: message };
    this.#sending = this.#sending.then(() =>
      this.#notify(payload).catch((error: unknown) => {
        // A lost change heals: the next beat renews a hold, and a hold without beats lapses.
        this.#options.logger.error({ err: error, kind: message.kind }, "NOTIFY of presence failed");
      }),
    );
  }

  /** Waits for queued NOTIFYs, then closes the LISTEN connection; idempotent. */
  async close(): Promise<void> {
    await this.#sending;
    await this.#listen.close();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // One tick gathers every commit and frame of the batches that just finished.
    setImmediate(() => {
      this.#flushScheduled = false;
      const messages = this.#drain();
      this.#sending = this.#sending.then(() => this.#sendAll(messages));
    });
  }

  /** Packs the queued pokes and frames into NOTIFY payloads under the size limit. */
  #drain(): FanoutMessage[] {
    const messages: Required<Omit<FanoutMessage, "ping" | "presence">>[] = [];
    const envelopeBytes = 100;
    let current = {
      node: this.nodeId,
      pokes: [] as [string, number][],
      frames: [] as RelayedFrame[],
    };
    let bytes = envelopeBytes;
    const makeRoom = (entryBytes: number) => {
      if (bytes + entryBytes <= maxPayloadBytes) return;
      messages.push(current);
      current = { node: this.nodeId, pokes: [], frames: [] };
      bytes = envelopeBytes;
    };
    for (const poke of this.#pokes) {
      const entryBytes = Buffer.byteLength(JSON.stringify(poke)) + 1;
      makeRoom(entryBytes);
      current.pokes.push(poke);
      bytes += entryBytes;
    }
    for (const relayed of this.#frames) {
      const entryBytes = Buffer.byteLength(JSON.stringify(relayed)) + 1;
      if (entryBytes > maxPayloadBytes - envelopeBytes) {
        // TODO: relay frames for very large conversations by conversation id, because their user list does not fit one NOTIFY.
        this.#options.logger.warn({ type: relayed.frame.type }, "live frame too large to relay");
        continue;
      }
      makeRoom(entryBytes);
      current.frames.push(relayed);
      bytes += entryBytes;
    }
    messages.push(current);
    this.#pokes = new Map();
    this.#frames = [];
    return messages.filter((message) => message.pokes.length + message.frames.length > 0);
  }

  async #sendAll(messages: readonly FanoutMessage[]): Promise<void> {
    for (const message of messages) {
      try {
        await this.#notify(message);
      } catch (error) {
        // The other nodes fan these commits out with the next commit in the same conversation.
        this.#options.logger.error({ err: error }, "NOTIFY of pokes failed");
      }
    }
  }

  async #notify(message: FanoutMessage): Promise<void> {
    await this.#options.runner.query("SELECT pg_notify($1, $2)", [
      fanoutChannel,
      JSON.stringify(message),
    ]);
  }

  #receive(payload: string): void {
    let message: FanoutMessage;
    try {
      message = JSON.parse(payload) as FanoutMessage;
    } catch (error) {
      this.#options.logger.warn({ err: error }, "unreadable NOTIFY payload ignored");
      return;
    }
    if (message.node === this.nodeId) {
      if (message.ping !== undefined) this.#listen.pong(message.ping);
      return;
    }
    for (const [conversationId, latestSeq] of message.pokes ?? []) {
      this.#remote.poke(conversationId, latestSeq);
    }
    for (const { frame, userIds } of message.frames ?? []) {
      this.#options.hub.send(frame, userIds);
    }
    if (message.presence !== undefined) this.#receivePresence(message.node, message.presence);
  }

  #receivePresence(nodeId: string, value: unknown): void {
    const presence = parsePresenceMessage(value);
    if (presence === undefined) {
      this.#options.logger.warn({ nodeId }, "invalid presence message ignored");
      return;
    }
    this.onPresence?.(nodeId, presence);
  }
}
