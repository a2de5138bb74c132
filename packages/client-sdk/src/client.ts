import type { Conversation, CreateConversationRequest, ServerFrame } from "@syncline/protocol";
import { userIdSchema } from "@syncline/protocol";
import { Dexie, liveQuery } from "dexie";
import { createConnection } from "./connection.ts";
import * as conversations from "./conversations.ts";
import { SynclineDb, toStorageError } from "./db.ts";
import { watchEnvironment } from "./environment.ts";
import { closedError, type SyncError, toSyncError } from "./errors.ts";
import { createHttpTransport } from "./http.ts";
import { createClientIdGenerator } from "./ids.ts";
import { type ClientOptions, resolveOptions, webSocketUrl } from "./options.ts";
import { discardFailed, enqueue, retryFailed } from "./outbox.ts";
import { createPullLoop } from "./pull-loop.ts";
import { createPushLoop } from "./push-loop.ts";
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
import { createTokenSource } from "./token.ts";
import type { ConnectionStatus, ConversationSummary, Message } from "./types.ts";
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
  subscribeMessages(conversationId: string, listener: (messages: Message[]) => void): () => void;
  subscribeConversations(listener: (conversations: ConversationSummary[]) => void): () => void;
  subscribeStatus(listener: (status: ConnectionStatus) => void): () => void;
  /** Where data is kept (IndexedDB or memory) and whether persistent storage was granted. */
  getStorageStatus(): StorageStatus;
  /** Calls the listener with the storage status at once, then on every change. */
  subscribeStorage(listener: (status: StorageStatus) => void): () => void;
  getMessages(conversationId: string): Promise<Message[]>;
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
  const db = new SynclineDb(options.databaseName, options);
  const storageStatus = createStorageStatusStore((error) =>
    logger.error("A storage status listener threw.", { error }),
  );
  const storage = createStorage(db, options.openTimeoutMs, logger, {
    loadMemory: options.loadMemoryIndexedDb,
    status: storageStatus,
  });
  const status = createStatusStore((error) => logger.error("A status listener threw.", { error }));
  const tokens = createTokenSource(options.getToken);
  const http = createHttpTransport({ ...options, tokens, signal });
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
  const pushLoop = createPushLoop({ ...loopOptions, serial: pushSerial });
  let isLeader = () => false;
  // Only the leading tab pushes; the others leave their sends in the shared outbox.
  const push = { ...pushLoop, kick: () => (isLeader() ? pushLoop.kick() : undefined) };
  const refreshList = coalesce(() => conversations.refreshConversations({ db, http }));
  const pull = createPullLoop({
    ...loopOptions,
    serial: pullSerial,
    pageLimit: options.pullLimit,
    refreshConversations: refreshList,
  });

  const applyFrame = async (frame: ServerFrame) => {
    if (frame.type === "notify") await pull.applyNotify(frame);
    if (frame.type === "read" && frame.userId === userId) {
      await conversations.applyOwnRead(db, frame.conversationId, frame.seq);
    }
    // TODO: expose typing and presence frames to the app, because the public API has no
    // subscription for them yet; they only count as signs of life for now.
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
      onReady: () => void catchUp(),
      onFrame,
      onStatus: (next) => status.set(next),
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
      isLeader = electTabLeader({
        db,
        // Tabs share only IndexedDB, so a tab on the memory backend leads itself.
        locks: shared ? options.locks : undefined,
        status,
        logger,
        signal,
        onLeader: () => {
          connection.start();
          pushLoop.kick();
        },
        onOutboxChange: () => pushLoop.kick(),
      });
      if (!shared) return;
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
