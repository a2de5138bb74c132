import type { ServerFrame } from "@syncline/protocol";
import type { HubObserver, SentCallback } from "../metrics/hub-meter.ts";
import { DeliveryQueue } from "./delivery-queue.ts";
import type { CommitNotice, Notifier } from "./notifier.ts";

/** The part of an authenticated socket that the hub uses. */
export interface HubSocket {
  readonly connectionId: string;
  readonly userId: string;
  /** Sends an already serialized frame; `onSent` runs once the write completes or fails. */
  sendText(text: string, onSent?: SentCallback): void;
  close(code: number, reason: string): void;
  /** Bytes queued on the socket and not yet sent; undefined counts as 0. */
  readonly bufferedBytes?: number;
}

/** Limits on what a notify frame carries, so large groups and slow sockets pull instead. */
export interface HubOptions {
  /** Conversations with more members than this get notify frames without events. */
  notifyInlineMaxMembers?: number;
  /** A socket with more unsent bytes than this gets notify frames without events. */
  socketSoftBufferBytes?: number;
  /** Socket sends per turn of the event loop before the fanout yields. */
  sendsPerTurn?: number;
}

/** The default of {@link HubOptions.notifyInlineMaxMembers}. */
export const defaultNotifyInlineMaxMembers = 100;

/** The default of {@link HubOptions.socketSoftBufferBytes}: 256 KiB. */
export const defaultSocketSoftBufferBytes = 256 * 1024;

/**
 * The sockets of this process, by user, and the local {@link Notifier}.
 * A frame is serialized once per publish and the same text goes to every
 * socket, so fanout cost grows with sockets, not with serializations.
 */
export class SocketHub implements Notifier {
  readonly #socketsByUser = new Map<string, Set<HubSocket>>();
  /** Called when a user gets a first socket here (true) or loses the last one (false). */
  onUserPresence: ((userId: string, present: boolean) => void) | undefined;
  readonly #observer: HubObserver | undefined;
  readonly #inlineMaxMembers: number;
  readonly #softBufferBytes: number;
  readonly #deliveries: DeliveryQueue;

  /** `observer` receives socket and frame events, for metrics. */
  constructor(observer?: HubObserver, options: HubOptions = {}) {
    this.#observer = observer;
    this.#inlineMaxMembers = options.notifyInlineMaxMembers ?? defaultNotifyInlineMaxMembers;
    this.#softBufferBytes = options.socketSoftBufferBytes ?? defaultSocketSoftBufferBytes;
    this.#deliveries = new DeliveryQueue(options.sendsPerTurn);
  }

  /** Registers an authenticated socket. */
  add(socket: HubSocket): void {
    const sockets = this.#socketsByUser.get(socket.userId) ?? new Set();
    if (sockets.has(socket)) return;
    sockets.add(socket);
    this.#socketsByUser.set(socket.userId, sockets);
    if (sockets.size === 1) this.onUserPresence?.(socket.userId, true);
    this.#observer?.socketAdded(socket.userId);
  }

  /** Forgets a socket; safe to call twice. */
  remove(socket: HubSocket): void {
    const sockets = this.#socketsByUser.get(socket.userId);
    if (sockets?.delete(socket)) this.#observer?.socketRemoved(socket.userId);
    if (sockets?.size === 0) {
      this.#socketsByUser.delete(socket.userId);
      this.onUserPresence?.(socket.userId, false);
    }
  }

  /** Lists a user's sockets, oldest first. */
  socketsOf(userId: string): HubSocket[] {
    return [...(this.#socketsByUser.get(userId) ?? [])];
  }

  /** Counts the registered sockets. */
  get size(): number {
    let count = 0;
    for (const sockets of this.#socketsByUser.values()) count += sockets.size;
    return count;
  }

  /** Lists the users that have at least one socket here. */
  userIds(): string[] {
    return [...this.#socketsByUser.keys()];
  }

  /** Keeps the users that have at least one socket here. */
  localUserIds(userIds: readonly string[]): string[] {
    return userIds.filter((userId) => this.#socketsByUser.has(userId));
  }

  /** Tells whether a conversation of `memberCount` members gets its events inline. */
  inlinesEvents(memberCount: number): boolean {
    return memberCount <= this.#inlineMaxMembers;
  }

  /**
   * Sends a notify frame with the events, or a bare one (only `latestSeq`)
   * to a conversation above the inline member limit and to a socket over the
   * soft buffer limit. A bare notify makes the client pull, so one message
   * costs one small frame per socket.
   */
  publish(notice: CommitNotice): void {
    const bareFrame: ServerFrame = {
      type: "notify",
      conversationId: notice.conversationId,
      latestSeq: notice.latestSeq,
    };
    const bareText = JSON.stringify(bareFrame);
    const memberCount = notice.memberCount ?? notice.memberIds.length;
    const publishedAtMs = Date.now();
    if (notice.events.length === 0 || !this.inlinesEvents(memberCount)) {
      this.#sendText(bareText, notice.memberIds, publishedAtMs);
      return;
    }
    const fullText = JSON.stringify({ ...bareFrame, events: notice.events });
    this.#deliveries.enqueue({
      sockets: this.#socketsOf(notice.memberIds),
      deliver: (socket) => {
        const slow = (socket.bufferedBytes ?? 0) > this.#softBufferBytes;
        socket.sendText(slow ? bareText : fullText, this.#observer?.frameQueued(publishedAtMs));
      },
    });
  }

  send(frame: ServerFrame, userIds: readonly string[]): void {
    this.#sendText(JSON.stringify(frame), userIds);
  }

  #sendText(text: string, userIds: readonly string[], publishedAtMs?: number): void {
    this.#deliveries.enqueue({
      sockets: this.#socketsOf(userIds),
      deliver: (socket) => socket.sendText(text, this.#observer?.frameQueued(publishedAtMs)),
    });
  }

  #socketsOf(userIds: readonly string[]): HubSocket[] {
    const sockets: HubSocket[] = [];
    for (const userId of userIds) {
      for (const socket of this.#socketsByUser.get(userId) ?? []) sockets.push(socket);
    }
    return sockets;
  }

  /** Closes every socket with the given code, as on shutdown. */
  closeAll(code: number, reason: string): void {
    for (const sockets of [...this.#socketsByUser.values()]) {
      for (const socket of [...sockets]) socket.close(code, reason);
    }
  }
}
