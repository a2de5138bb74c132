import { randomUUID } from "node:crypto";
import {
  type ClientFrame,
  closeCodes,
  type DeliverySample,
  type ErrorCode,
  limits,
  ProtocolError,
  type ServerFrame,
} from "@syncline/protocol";
import type { Logger } from "pino";
import type { RawData, WebSocket } from "ws";
import type { TokenAuthority } from "../auth/tokens.ts";
import type { SentCallback } from "../metrics/hub-meter.ts";
import { checkProtocolVersion, supportedProtocolVersions } from "../routes/protocol-version.ts";
import {
  evictOldestSockets,
  FrameRateGate,
  type FrameVerdict,
  type SocketLimits,
} from "../security/socket-limits.ts";
import type { Store } from "../store/store.ts";
import { applyDeliveredFrame, relayTyping } from "./chat-frames.ts";
import { frameByteLength, parseFrame } from "./client-frames.ts";
import type { Notifier } from "./notifier.ts";
import type { PresenceTracker } from "./presence.ts";
import type { HubSocket, SocketHub } from "./socket-hub.ts";
import type { TypingLimiter } from "./typing-limiter.ts";

/** Minimum time between two `rate_limited` error frames on one socket. */
const rateLimitErrorIntervalMs = 1000;

/** The default of {@link SessionContext.maxBufferedBytes}: 4 MiB. */
const defaultMaxBufferedBytes = 4 * 1024 * 1024;

/** setTimeout's largest delay; longer token lifetimes are waited for in steps. */
const maxTimerMs = 2_147_483_647;

/** Services shared by every socket session. */
export interface SessionContext {
  hub: SocketHub;
  notifier: Notifier;
  tokens: TokenAuthority;
  store: Store;
  typingLimiter: TypingLimiter;
  presence: PresenceTracker;
  /** The `expiresInMs` of relayed typing frames. */
  typingTtlMs: number;
  /** Receives the delivery sample of a `delivered` frame that has one. */
  onDeliverySample?: ((sample: DeliverySample) => void) | undefined;
  logger: Logger;
  authTimeoutMs: number;
  /** Origin, frame, auth and socket-count limits; undefined sets none. */
  limits?: SocketLimits | undefined;
  /** A slow reader with more unsent bytes than this is closed with 4429 ("try later"). */
  maxBufferedBytes?: number | undefined;
}

/**
 * One client socket: waits for the auth frame, then replies to pings, relays
 * typing and receives fanout through the hub. The socket is closed with
 * 4401 when its token expires, so a session never outlives its token.
 * Every frame after auth keeps the user's presence alive.
 */
export class SocketSession implements HubSocket {
  readonly connectionId = randomUUID();
  #userId: string | undefined;
  /** The session's child logger, made on first use because most sockets never log. */
  #childLogger: Logger | undefined;
  #frames: Promise<void> = Promise.resolve();
  #authTimer: NodeJS.Timeout | undefined;
  #expiryTimer: NodeJS.Timeout | undefined;
  readonly #gate: FrameRateGate | undefined;
  #lastRateLimitErrorMs = Number.NEGATIVE_INFINITY;

  get #log(): Logger {
    this.#childLogger ??= this.context.logger.child({
      connectionId: this.connectionId,
      ...(this.#userId === undefined ? {} : { userId: this.#userId }),
    });
    return this.#childLogger;
  }

  constructor(
    private readonly socket: WebSocket,
    private readonly context: SessionContext,
    /** The client's IP address, the key of the auth attempt limit. */
    private readonly remoteAddress = "unknown",
  ) {
    this.#gate = context.limits === undefined ? undefined : new FrameRateGate(context.limits);
    this.#authTimer = setTimeout(
      () => this.close(closeCodes.authTimeout, "No auth frame came in time."),
      context.authTimeoutMs,
    );
    socket.on("message", (data, isBinary) => {
      // Frames are handled one at a time, in the order they came.
      this.#frames = this.#frames
        .then(() => this.#onFrame(data, isBinary))
        .catch((error) => {
          this.#log.error({ err: error }, "socket frame failed");
          this.#sendFrame({
            type: "error",
            code: "internal",
            message: "The frame failed on the server.",
          });
        });
    });
    socket.on("close", (code) => {
      this.#log.debug({ code }, "socket closed");
      this.#dispose();
    });
    socket.on("error", (error) => this.#log.warn({ err: error }, "socket error"));
  }

  get userId(): string {
    if (this.#userId === undefined) throw new Error("The socket is not authenticated yet.");
    return this.#userId;
  }

  sendText(text: string, onSent?: SentCallback): void {
    if (this.socket.readyState !== this.socket.OPEN) {
      onSent?.(new Error("The socket is not open."));
      return;
    }
    if (this.socket.bufferedAmount > (this.context.maxBufferedBytes ?? defaultMaxBufferedBytes)) {
      this.close(closeCodes.tryLater, "The socket is too slow to keep up; reconnect and pull.");
      onSent?.(new Error("The socket was closed for being too slow."));
      return;
    }
    this.socket.send(text, onSent);
  }

  get bufferedBytes(): number {
    return this.socket.bufferedAmount;
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === this.socket.CLOSED) return;
    this.socket.close(code, reason);
  }

  async #onFrame(data: RawData, isBinary: boolean): Promise<void> {
    if (frameByteLength(data) > limits.maxFrameBytes) {
      this.close(closeCodes.frameTooLarge, `Frames may be at most ${limits.maxFrameBytes} bytes.`);
      return;
    }
    const frame = parseFrame(data, isBinary);
    if (!this.#passesRateLimits(frame)) return;
    if (this.#userId === undefined && (frame instanceof ProtocolError || frame.type !== "auth")) {
      this.close(closeCodes.unauthorized, "The first frame must be an auth frame.");
      return;
    }
    if (this.#userId !== undefined) this.context.presence.touch(this.connectionId);
    if (frame instanceof ProtocolError) {
      this.#sendError(frame.code, frame.message);
      return;
    }
    try {
      await this.#dispatch(frame);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.#sendError(error.code, error.message);
    }
  }

  /** Applies the rate limits. A frame over them gets its error or close here and goes no further. */
  #passesRateLimits(frame: ClientFrame | ProtocolError): boolean {
    if (this.#gate === undefined) return true;
    let verdict: FrameVerdict = { action: "handle" };
    if (!(frame instanceof ProtocolError) && frame.type === "auth") {
      verdict = this.#gate.checkAuth(this.remoteAddress);
    } else if (this.#userId !== undefined) {
      verdict = this.#gate.checkFrame(this.#userId);
    }
    if (verdict.action === "close") {
      this.#log.warn({ code: verdict.code, remoteAddress: this.remoteAddress }, verdict.reason);
      this.close(verdict.code, verdict.reason);
    }
    if (verdict.action === "reject") {
      const waitMs = verdict.retryAfterMs;
      this.#sendError("rate_limited", `Too many frames for this user; wait ${waitMs} ms.`);
    }
    return verdict.action === "handle";
  }

  async #dispatch(frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case "auth":
        return this.#authenticate(frame.token, frame.protocolVersion ?? 1);
      case "ping":
        return this.#sendFrame({ type: "pong" });
      case "typing":
        return this.#relayTyping(frame.conversationId);
      case "delivered":
        return applyDeliveredFrame(this.context, this.userId, frame);
    }
  }

  async #authenticate(token: string, protocolVersion: number): Promise<void> {
    const unsupported = checkProtocolVersion(protocolVersion);
    if (unsupported !== undefined) {
      this.close(closeCodes.unsupportedVersion, unsupported.message);
      return;
    }
    let claims: Awaited<ReturnType<TokenAuthority["verify"]>>;
    try {
      claims = await this.context.tokens.verify(token);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.close(closeCodes.unauthorized, error.message);
      return;
    }
    if (this.#userId !== undefined && this.#userId !== claims.userId) {
      this.close(closeCodes.unauthorized, "A socket cannot switch users; open a new one.");
      return;
    }
    // A socket closed while its token was checked must not register, or its user would stay online.
    if (this.socket.readyState !== this.socket.OPEN) return;
    const isFirstAuth = this.#userId === undefined;
    if (isFirstAuth) {
      this.#userId = claims.userId;
      this.#childLogger = undefined;
      clearTimeout(this.#authTimer);
      const maxSockets = this.context.limits?.maxSocketsPerUser;
      if (maxSockets !== undefined) evictOldestSockets(this.context.hub, claims.userId, maxSockets);
      this.context.hub.add(this);
      this.context.presence.connect(this.connectionId, claims.userId);
      this.#log.debug("socket authenticated");
    }
    // A later auth frame for the same user replaces the token, and so its expiry.
    this.#scheduleExpiry(claims.expiresAtMs);
    this.#sendFrame({
      type: "ready",
      userId: claims.userId,
      connectionId: this.connectionId,
      protocolVersions: [...supportedProtocolVersions],
    });
    // Awaited, so the client gets the snapshot before the reply to its next frame.
    if (isFirstAuth) await this.#sendPresenceSnapshot();
  }

  /** Sends the presence of every contact, so a new socket starts with a full picture. */
  async #sendPresenceSnapshot(): Promise<void> {
    try {
      const statuses = await this.context.presence.listAudienceStatus(this.userId);
      for (const status of statuses) this.#sendFrame({ type: "presence", ...status });
    } catch (error) {
      this.#log.warn({ err: error }, "presence snapshot failed");
    }
  }

  #scheduleExpiry(expiresAtMs: number): void {
    clearTimeout(this.#expiryTimer);
    const delayMs = expiresAtMs - Date.now();
    if (delayMs <= 0) {
      this.close(closeCodes.unauthorized, "The token has expired; get a new one.");
      return;
    }
    this.#expiryTimer = setTimeout(
      () => this.#scheduleExpiry(expiresAtMs),
      Math.min(delayMs, maxTimerMs),
    );
  }

  async #relayTyping(conversationId: string): Promise<void> {
    if (!this.context.typingLimiter.allow(this.userId, conversationId)) {
      this.#sendRateLimited();
      return;
    }
    await relayTyping(this.context, this.userId, conversationId);
  }

  /** Reports dropped typing frames with one error frame per second at most. */
  #sendRateLimited(): void {
    const nowMs = Date.now();
    if (nowMs - this.#lastRateLimitErrorMs < rateLimitErrorIntervalMs) return;
    this.#lastRateLimitErrorMs = nowMs;
    this.#sendError(
      "rate_limited",
      "Typing frames are limited to one per second per conversation; extra ones were dropped.",
    );
  }

  #sendError(code: ErrorCode, message: string): void {
    this.#sendFrame({ type: "error", code, message });
  }

  #sendFrame(frame: ServerFrame): void {
    this.sendText(JSON.stringify(frame));
  }

  #dispose(): void {
    clearTimeout(this.#authTimer);
    clearTimeout(this.#expiryTimer);
    if (this.#userId === undefined) return;
    this.context.hub.remove(this);
    this.context.presence.disconnect(this.connectionId);
  }
}
