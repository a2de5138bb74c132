import type { Conversation, CreateConversationRequest, ServerFrame } from "@syncline/protocol";
import { userIdSchema } from "@syncline/protocol";
import { Dexie, liveQuery } from "dexie";
import { createChat } from "./chat.ts";
import { type ClientMetrics, trackClientMetrics } from "./client-metrics.ts";
import { createConnection } from "./connection.ts";
import * as conversations from "./conversations.ts";
import { SynclineDb, toStorageError } from "./db.ts";
import { watchEnvironment } from "./environment.ts";
import { closedError, type SyncError, toSyncError } from "./errors.ts";
import { createHttpTransport } from "./http.ts";
import { createClientIdGenerator } from "./ids.ts";
import { createSwitchableIndexedDb } from "./memory-fallback.ts";
import { type ClientOptions, resolveOptions, webSocketUrl } from "./options.ts";
import { discardFailed, enqueue, retryFailed } from "./outbox.ts";
import { watchPageFreeze } from "./page-freeze.ts";
import { createPullLoop } from "./pull-loop.ts";
import { createPushLoop } from "./push-loop.ts";
import { createReadSender } from "./read-sender.ts";
import { buildMessageRow } from "./send.ts";
import { coalesce, createSerial } from "./serial.ts";
import { createStatusStore } from "./status.ts";
import { createStorage } from "./storage.ts";
import {
  createStorageStatusStore,
  requestPersistence,
  type StorageStatus,
} from "./storage-status.ts";
import { electTabLeader } from "./tab-leader.ts";
import { buildTargetRow, checkStoredTarget, type TargetOpType } from "./target-ops.ts";
import { createTokenSource } from "./token.ts";
import type { ConnectionStatus, ConversationSummary, Message, Presence } from "./types.ts";
import { outboxToMessage, readMessages, readSummaries } from "./views.ts";

/** A signed-in user's sync client. See SPEC.md for the states and invariants behind it. */
export interface SynclineClient {
  readonly userId: string;
  /** Queues a message; resolves once it is stored in the outbox, in state "pending". */
  send(conversationId: string, text: string): Promise<Message>;
  /** Puts a failed message back in line at its original place. */
  retry(clientId: string): Promise<void>;
  /** Removes a failed message from the outbox. */
  discard(clientId: string): Promise<void>;
  /** Creates a conversation on the server; needs the network. */
  createConversation(request: CreateConversationRequest): Promise<Conversation>;
  addMember(conversationId: string, userId: string): Promise<void>;
  /** Removes a member on the server; needs the network. The user may remove themself to leave. */
  removeMember(conversationId: string, userId: string): Promise<void>;
  /** Queues an edit of the user's own message at `targetSeq`; shown at once, like a pending message. */
  edit(conversationId: string, targetSeq: number, text: string): Promise<void>;
  /** Queues the delete of the user's own message at `targetSeq`; it shows as a tombstone at once. */
  delete(conversationId: string, targetSeq: number): Promise<void>;
  /** Queues a reaction of the user on the message at `targetSeq`. */
  react(conversationId: string, targetSeq: number, emoji: string): Promise<void>;
  /** Queues the removal of the user's reaction on the message at `targetSeq`. */
  unreact(conversationId: string, targetSeq: number, emoji: string): Promise<void>;
  /**
   * Moves the user's read position up to `seq`, at once locally, and sends
   * it to the server in the background, retried until it is accepted.
   */
  markRead(conversationId: string, seq: number): Promise<void>;
  /**
   * Tells the other members that the user is typing (`typing` defaults to
   * true). Call it on every keystroke: the client sends at most one frame
   * per 2 s and conversation, plus one trailing frame for keystrokes
   * within that window. `false`, and `send` in the conversation, cancel the
   * trailing frame, and the others' indicator then expires on its own.
   */
  setTyping(conversationId: string, typing?: boolean): void;
  /** Calls the listener with the ids of the other members typing now, at once and on every change. */
  subscribeTyping(conversationId: string, listener: (userIds: string[]) => void): () => void;
  /** Calls the listener with the users' presence, at once and on every change. */
  subscribePresence(
    userIds: readonly string[],
    listener: (presence: Presence[]) => void,
  ): () => void;
  subscribeMessages(conversationId: string, listener: (messages: Message[]) => void): () => void;
  subscribeConversations(listener: (conversations: ConversationSummary[]) => void): () => void;
  subscribeStatus(listener: (status: ConnectionStatus) => void): () => void;
  /** Where data is kept (IndexedDB or memory) and whether persistent storage was granted. */
  getStorageStatus(): StorageStatus;
  /** Calls the listener with the storage status at once, then on every change. */
  subscribeStorage(listener: (status: StorageStatus) => void): () => void;
  getMessages(conversationId: string): Promise<Message[]>;
  /** Reads outbox depth, the oldest pending message's age, ack latency and reconnects. */
  getMetrics(): Promise<ClientMetrics>;
  /** Pushes the outbox and pulls every known conversation until current. */
  sync(): Promise<void>;
  /** Stops the loops, closes the socket and the database; safe to call twice. */
  close(): Promise<void>;
}

/** Creates a client and starts syncing at once: connect, push the outbox, pull. */
export function createClient(input: ClientOptions): SynclineClient {
  if (!userIdSchema.safeParse(input.userId).success) {
    throw new TypeError("options.userId must be 1 to 128 characters with no control characters.");
  }
  const options = resolveOptions(input);
  const { userId, logger } = options;
  const controller = new AbortController();
  const signal = controller.signal;
  const backend = createSwitchableIndexedDb(options);
  const db = new SynclineDb(options.databaseName, backend.source);
  const storageStatus = createStorageStatusStore((error) =>
    logger.error("A storage status listener threw.", { error }),
  );
  const storage = createStorage(db, options.openTimeoutMs, logger, {
    loadMemory: options.loadMemoryIndexedDb,
    backend,
    status: storageStatus,
  });
  const status = createStatusStore((error) => logger.error("A status listener threw.", { error }));
  const metrics = trackClientMetrics(db, status);
  const tokens = createTokenSource(options.getToken);
  const http = createHttpTransport({
    ...options,
    tokens,
    signal,
    onUnsupported: () => status.set("unsupported"),
  });
  const nextClientId = createClientIdGenerator();
  const pushSerial = createSerial();
  const pullSerial = createSerial();
  const subscriptions = new Set<{ unsubscribe(): void }>();
  let closing: Promise<void> | undefined;

  const onUnauthorized = (error: SyncError) => {
    logger.warn("Server rejected the token after a refresh.", { code: error.code });
    status.set("unauthorized");
  };
  const loopOptions = { ...options, db, http, signal, onUnauthorized };
  // Only the leading tab pushes; the others leave their sends in the shared outbox.
  let leading = false;
  const pushLoop = createPushLoop({ ...loopOptions, serial: pushSerial, mayPush: () => leading });
  const push = { ...pushLoop, kick: () => (leading ? pushLoop.kick() : undefined) };
  const readSender = createReadSender(loopOptions);
  const chat = createChat({
    db,
    http,
    userId,
    logger,
    readSender,
    connection: () => connection,
    presencePollIntervalMs: options.presencePollIntervalMs,
  });
  const refreshList = coalesce(() => conversations.refreshConversations({ db, http }));
  const pull = createPullLoop({
    ...loopOptions,
    serial: pullSerial,
    pageLimit: options.pullLimit,
    refreshConversations: refreshList,
    onCursor: (conversationId, cursor, sample) => chat.noteCursor(conversationId, cursor, sample),
    onEventsStored: (conversationId, events) => chat.noteStoredEvents(conversationId, events),
  });

  const applyFrame = async (frame: ServerFrame) => {
    if (frame.type === "notify") await pull.applyNotify(frame);
    await chat.applyFrame(frame);
    if (frame.type === "read" && frame.userId === userId) {
      await conversations.applyOwnRead(db, frame.conversationId, frame.seq);
    }
  };
  const onFrame = (frame: ServerFrame) => {
    applyFrame(frame).catch((error: unknown) => {
      logger.warn("Could not apply a frame.", { type: frame.type, code: toSyncError(error).code });
    });
  };

  /** On every `ready`: refresh the list, pull every known conversation in one batch, then push. */
  const catchUp = async () => {
    await refreshList().catch((error: unknown) => {
      logger.warn("Conversation list refresh failed.", { code: toSyncError(error).code });
    });
    await pull.pull().catch(() => pull.requestPull());
    push.kick();
  };

  const connection = createConnection({
    ...options,
    url: webSocketUrl(options.baseUrl),
    tokens,
    delegate: {
      onReady: () => {
        chat.onReady();
        void catchUp();
      },
      onFrame,
      onStatus: (next) => {
        chat.onStatus(next);
        status.set(next);
      },
    },
  });

  const resume = () => {
    connection.wake();
    push.kick();
  };
  const unwatch = watchEnvironment(resume);

  let storageReady = false;
  storage.ready().then(
    () => {
      storageReady = true;
      if (signal.aborted) return;
      const shared = storageStatus.get().backend === "indexeddb";
      const leader = electTabLeader({
        db,
        // Tabs share only IndexedDB, so a tab on the memory backend leads itself.
        locks: shared ? options.locks : undefined,
        BroadcastChannel: options.BroadcastChannel,
        heartbeatIntervalMs: options.tabHeartbeatIntervalMs,
        status,
        logger,
        signal,
        onLeader: () => {
          leading = true;
          connection.start();
          pushLoop.kick();
        },
        onFollower: () => {
          leading = false;
          connection.suspend();
        },
        onOutboxChange: () => pushLoop.kick(),
      });
      if (!shared) return;
      // Chromium runs a frozen page's message handlers but not its IndexedDB callbacks, so a
      // transaction that the page starts while frozen never ends and blocks every other tab's
      // writes. Closing the handle makes such a query wait for an open instead, and handing the
      // lock over lets the next tab take over without waiting for the heartbeat to go silent.
      const unwatchFreeze = watchPageFreeze(() => {
        leader.resign();
        db.close({ disableAutoOpen: false });
      });
      signal.addEventListener("abort", unwatchFreeze, { once: true });
      void requestPersistence(options.storageManager).then((persisted) => {
        if (!signal.aborted) storageStatus.update({ persisted });
      });
    },
    (error: unknown) => {
      storageStatus.update({ error: toSyncError(error) });
      logger.error("Could not open the database; nothing is synced.", {
        code: toSyncError(error).code,
      });
      status.set("offline");
    },
  );

  const assertOpen = () => {
    if (signal.aborted) throw closedError();
  };

  const subscribe = <T>(query: () => Promise<T>, listener: (value: T) => void) => {
    assertOpen();
    // The live query starts once storage is ready: a query started earlier fails for good when
    // the first open times out and the client falls back to memory.
    let live: { unsubscribe(): void } | undefined;
    const subscription = {
      unsubscribe() {
        subscription.closed = true;
        live?.unsubscribe();
      },
      closed: false,
    };
    const start = () => {
      if (subscription.closed || signal.aborted) return;
      live = observe(query, listener);
    };
    if (storageReady) start();
    else storage.ready().then(start, () => {});
    subscriptions.add(subscription);
    return () => {
      subscription.unsubscribe();
      subscriptions.delete(subscription);
    };
  };

  const observe = <T>(query: () => Promise<T>, listener: (value: T) => void) =>
    liveQuery(query).subscribe({
      next: (value) => {
        try {
          listener(value);
        } catch (error) {
          logger.error("A subscription listener threw.", { error });
        }
      },
      error: (error: unknown) => {
        if (!signal.aborted)
          logger.error("A live query failed.", { code: toSyncError(error).code });
      },
    });

  const withSyncError = async <T>(run: () => Promise<T>): Promise<T> => {
    assertOpen();
    try {
      return await run();
    } catch (error) {
      const failure =
        error instanceof Dexie.DexieError
          ? toStorageError(error, "using the database")
          : toSyncError(error);
      if (failure.code === "unauthorized") status.set("unauthorized");
      throw failure;
    }
  };

  /** Checks, stores and pushes an edit, delete or reaction, like `send`. */
  const queueTargetOp = async (
    type: TargetOpType,
    conversationId: string,
    targetSeq: number,
    value: { text?: string; emoji?: string } = {},
  ) => {
    assertOpen();
    const row = buildTargetRow({
      clientId: nextClientId(),
      conversationId,
      senderId: userId,
      type,
      targetSeq,
      ...value,
      nowMs: Date.now(),
    });
    await storage.write(`queueing ${type} ${row.clientId}`, async () => {
      await checkStoredTarget(db, row);
      await enqueue(db, row);
    });
    push.kick();
  };

  return {
    userId,
    async send(conversationId, text) {
      assertOpen();
      const row = buildMessageRow({
        clientId: nextClientId(),
        conversationId,
        senderId: userId,
        text,
        nowMs: Date.now(),
      });
      const stored = await storage.write(`queueing message ${row.clientId}`, () =>
        enqueue(db, row),
      );
      chat.setTyping(conversationId, false);
      push.kick();
      return outboxToMessage(stored) as Message;
    },
    async retry(clientId) {
      assertOpen();
      await storage.write(`retrying message ${clientId}`, () => retryFailed(db, clientId));
      push.kick();
    },
    async discard(clientId) {
      assertOpen();
      await storage.write(`discarding message ${clientId}`, () => discardFailed(db, clientId));
    },
    createConversation: (request) =>
      withSyncError(async () => {
        await storage.ready();
        const conversation = await conversations.createConversation({ db, http }, request);
        pull.requestPull([conversation.id]);
        return conversation;
      }),
    addMember: (conversationId, memberId) =>
      withSyncError(async () => {
        await storage.ready();
        await conversations.addMember({ db, http }, conversationId, memberId);
        pull.requestPull([conversationId]);
      }),
    removeMember: (conversationId, memberId) =>
      withSyncError(async () => {
        await storage.ready();
        await conversations.removeMember({ db, http }, conversationId, memberId);
        pull.requestPull([conversationId]);
      }),
    edit: (conversationId, targetSeq, text) =>
      queueTargetOp("message.edit", conversationId, targetSeq, { text }),
    delete: (conversationId, targetSeq) =>
      queueTargetOp("message.delete", conversationId, targetSeq),
    react: (conversationId, targetSeq, emoji) =>
      queueTargetOp("reaction.add", conversationId, targetSeq, { emoji }),
    unreact: (conversationId, targetSeq, emoji) =>
      queueTargetOp("reaction.remove", conversationId, targetSeq, { emoji }),
    markRead: (conversationId, seq) =>
      withSyncError(async () => {
        await storage.ready();
        await chat.markRead(conversationId, seq);
      }),
    setTyping(conversationId, typing = true) {
      assertOpen();
      chat.setTyping(conversationId, typing);
    },
    subscribeTyping: (conversationId, listener) => {
      assertOpen();
      return chat.subscribeTyping(conversationId, listener);
    },
    subscribePresence: (userIds, listener) => {
      assertOpen();
      return chat.subscribePresence(userIds, listener);
    },
    subscribeMessages: (conversationId, listener) =>
      subscribe(() => readMessages(db, userId, conversationId), listener),
    subscribeConversations: (listener) => subscribe(() => readSummaries(db, userId), listener),
    subscribeStatus: (listener) => status.subscribe(listener),
    getStorageStatus: () => storageStatus.get(),
    subscribeStorage: (listener) => storageStatus.subscribe(listener),
    getMessages: (conversationId) =>
      withSyncError(async () => {
        await storage.ready();
        return readMessages(db, userId, conversationId);
      }),
    getMetrics: () => withSyncError(() => metrics.read()),
    sync: () =>
      withSyncError(async () => {
        await storage.ready();
        connection.wake();
        await push.flush();
        await refreshList();
        await pull.pull();
      }),
    close() {
      closing ??= (async () => {
        controller.abort();
        unwatch();
        connection.close();
        chat.close();
        status.set("closed");
        for (const subscription of subscriptions) subscription.unsubscribe();
        subscriptions.clear();
        // Wait for the push or pull in flight to end before the database closes under it.
        await Promise.all([pushSerial(async () => {}), pullSerial(async () => {})]);
        db.close();
      })();
      return closing;
    },
  };
}
