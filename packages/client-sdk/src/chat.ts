import {
  conversationIdSchema,
  cursorSchema,
  type Event,
  presenceResponseSchema,
  type ServerFrame,
} from "@syncline/protocol";
import type { Connection } from "./connection.ts";
import type { SynclineDb } from "./db.ts";
import { createDeliveryReporter } from "./delivery-reporter.ts";
import type { StoredSample } from "./delivery-sample.ts";
import { SyncError, toSyncError } from "./errors.ts";
import type { HttpTransport } from "./http.ts";
import type { Logger } from "./logger.ts";
import { createPresenceStore } from "./presence.ts";
import type { ReadSender } from "./read-sender.ts";
import { applyWatermark, markReadLocally } from "./receipts.ts";
import type { ConnectionStatus, Presence } from "./types.ts";
import { createTypingStore } from "./typing.ts";
import { createTypingSender } from "./typing-sender.ts";

/** Dependencies of the receipts, typing and presence part of the client. */
export interface ChatOptions {
  db: SynclineDb;
  http: HttpTransport;
  userId: string;
  logger: Logger;
  connection: () => Connection;
  readSender: ReadSender;
  /** Time between two fetches of subscribed users that no presence frame reports. */
  presencePollIntervalMs: number;
}

/** Receipts, typing and presence: the live state that rides on the socket. */
export interface Chat {
  markRead(conversationId: string, seq: number): Promise<void>;
  /** Sends throttled typing frames while `isTyping` is true, and false cancels the trailing frame. */
  setTyping(conversationId: string, isTyping: boolean): void;
  subscribeTyping(conversationId: string, listener: (userIds: string[]) => void): () => void;
  subscribePresence(
    userIds: readonly string[],
    listener: (presence: Presence[]) => void,
  ): () => void;
  /** Applies `read`, `delivered`, `typing` and `presence` frames. */
  applyFrame(frame: ServerFrame): Promise<void>;
  /** Clears the typing indicator of each sender of a stored message, by pull or by notify. */
  noteStoredEvents(conversationId: string, events: readonly Event[]): void;
  /** Notes a conversation's cursor after a pull or notify, for its `delivered` report. */
  noteCursor(conversationId: string, cursor: number, sample?: StoredSample): void;
  onReady(): void;
  onStatus(status: ConnectionStatus): void;
  close(): void;
}

export function createChat(options: ChatOptions): Chat {
  const { db, userId, logger } = options;
  const typingSender = createTypingSender((conversationId) =>
    options.connection().send({ type: "typing", conversationId }),
  );
  const delivery = createDeliveryReporter({
    send: (conversationId, seq, sample) =>
      options
        .connection()
        .send(
          sample === undefined
            ? { type: "delivered", conversationId, seq }
            : { type: "delivered", conversationId, seq, sample },
        ),
  });
  const onListenerError = (error: unknown) => logger.error("A chat listener threw.", { error });
  const typing = createTypingStore(onListenerError);
  const presence = createPresenceStore({
    fetchPresence: (userIds) => fetchPresence(options.http, userIds),
    pollIntervalMs: options.presencePollIntervalMs,
    onFetchError: (error) =>
      logger.warn("Presence fetch failed.", { code: toSyncError(error).code }),
    onListenerError,
  });

  async function applyFrame(frame: ServerFrame): Promise<void> {
    switch (frame.type) {
      case "read":
      case "delivered": {
        const kind = frame.type === "read" ? "readSeq" : "deliveredSeq";
        await applyWatermark(db, frame.conversationId, frame.userId, kind, frame.seq);
        return;
      }
      case "typing":
        if (frame.userId !== userId) {
          typing.start(frame.conversationId, frame.userId, frame.expiresInMs);
        }
        return;
      case "presence":
        presence.applyFrame(frame);
        if (frame.status === "offline") typing.stopEverywhere(frame.userId);
        return;
      default:
        return;
    }
  }

  return {
    async markRead(conversationId, seq) {
      checkInput(
        conversationIdSchema.safeParse(conversationId).success,
        "conversationId",
        conversationId,
      );
      checkInput(cursorSchema.safeParse(seq).success, "seq", seq);
      if (await markReadLocally(db, conversationId, seq)) options.readSender.kick();
    },
    setTyping(conversationId, isTyping) {
      checkInput(
        conversationIdSchema.safeParse(conversationId).success,
        "conversationId",
        conversationId,
      );
      if (isTyping) typingSender.start(conversationId);
      else typingSender.stop(conversationId);
    },
    subscribeTyping: (conversationId, listener) => typing.subscribe(conversationId, listener),
    subscribePresence: (userIds, listener) => presence.subscribe(userIds, listener),
    applyFrame,
    noteStoredEvents(conversationId, events) {
      for (const event of events) {
        if (event.type === "message") typing.stop(conversationId, event.senderId);
      }
    },
    noteCursor: (conversationId, cursor, sample) => delivery.note(conversationId, cursor, sample),
    onReady() {
      delivery.flush();
      presence.onReady();
      options.readSender.kick();
    },
    onStatus(status) {
      // Typing state is never replayed, because whatever was shown before a disconnect is stale.
      if (status === "online") return;
      typing.clear();
      presence.onSocketClosed();
    },
    close() {
      delivery.close();
      typingSender.close();
      typing.close();
      presence.close();
    },
  };
}

/** Calls `GET /v1/presence`; returns null from an older server without the route. */
async function fetchPresence(http: HttpTransport, userIds: readonly string[]) {
  const query = encodeURIComponent(userIds.join(","));
  try {
    return await http.request(
      "GET",
      `/v1/presence?userIds=${query}`,
      undefined,
      presenceResponseSchema,
    );
  } catch (error) {
    if (toSyncError(error).status === 404) return null;
    throw error;
  }
}

function checkInput(valid: boolean, field: string, value: unknown): void {
  if (valid) return;
  throw new SyncError("invalid_request", `Invalid ${field} ${JSON.stringify(value)}.`, { field });
}
