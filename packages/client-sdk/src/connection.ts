import {
  type ClientFrame,
  closeCodes,
  protocolVersion,
  type ServerFrame,
  serverFrameSchema,
} from "@syncline/protocol";
import { type BackoffOptions, reconnectDelayMs } from "./backoff.ts";
import { toSyncError } from "./errors.ts";
import type { Logger } from "./logger.ts";
import type { TokenSource } from "./token.ts";
import type { ConnectionStatus, WebSocketConstructorLike, WebSocketLike } from "./types.ts";

/** Callbacks through which the connection reports to the client. */
export interface ConnectionDelegate {
  /** The server accepted the auth frame: time to catch up and push. */
  onReady(): void;
  /** Any frame after `ready`, except `pong`. */
  onFrame(frame: ServerFrame): void;
  onStatus(status: ConnectionStatus): void;
}

export interface ConnectionOptions {
  url: string;
  WebSocket: WebSocketConstructorLike;
  tokens: TokenSource;
  logger: Logger;
  backoff: BackoffOptions;
  random: () => number;
  heartbeatIntervalMs: number;
  delegate: ConnectionDelegate;
  /** A connection that stayed up this long resets the reconnect attempt count. */
  stableAfterMs?: number;
}

/** The live socket: auth, heartbeat, dead-socket detection and reconnects. See SPEC.md. */
export interface Connection {
  /** Connects; after `suspend()`, connects again. */
  start(): void;
  /**
   * Closes the socket and stops reconnecting until the next `start()`, as a
   * tab does when another tab takes over sync. Reports no status.
   */
  suspend(): void;
  /** Reconnects at once when waiting out a backoff or unauthorized; otherwise checks liveness. */
  wake(): void;
  /** Pings now and declares the socket dead if nothing comes back soon. */
  checkLiveness(): void;
  /** Sends a frame while online; returns false, sending nothing, otherwise. */
  send(frame: ClientFrame): boolean;
  close(): void;
}

const probeTimeoutMs = 5_000;

export function createConnection(options: ConnectionOptions): Connection {
  const { logger, delegate, heartbeatIntervalMs } = options;
  const stableAfterMs = options.stableAfterMs ?? Math.max(10_000, heartbeatIntervalMs);
  let socket: WebSocketLike | null = null;
  let tokenUsed = "";
  let readyAtMs: number | null = null;
  let attempt = 0;
  let authRejections = 0;
  let waiting = false;
  let unauthorized = false;
  let unsupported = false;
  let closed = false;
  let suspended = false;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let deadTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;

  function connect(): void {
    if (closed || suspended || unsupported) return;
    waiting = false;
    unauthorized = false;
    delegate.onStatus("connecting");
    options.tokens.get().then(open, (error: unknown) => {
      const failure = toSyncError(error);
      if (failure.code === "unauthorized") {
        becomeUnauthorized();
        return;
      }
      logger.warn("Could not get a token for the socket.", { code: failure.code });
      scheduleReconnect(undefined);
    });
  }

  function open(token: string): void {
    if (closed || suspended || waiting || socket !== null) return;
    tokenUsed = token;
    let ws: WebSocketLike;
    try {
      ws = new options.WebSocket(options.url);
    } catch (error) {
      logger.error("Could not create the WebSocket.", { code: toSyncError(error).code });
      scheduleReconnect(undefined);
      return;
    }
    socket = ws;
    expectFrameWithin(ws, 2 * heartbeatIntervalMs);
    ws.addEventListener("open", () => {
      if (socket !== ws) return;
      expectFrameWithin(ws, 2 * heartbeatIntervalMs);
      ws.send(JSON.stringify({ type: "auth", token, protocolVersion }));
    });
    ws.addEventListener("message", (event) => {
      if (socket !== ws) return;
      expectFrameWithin(ws, 2 * heartbeatIntervalMs);
      receive(event.data);
    });
    ws.addEventListener("close", (event) => {
      if (socket === ws) onClosed(event.code);
    });
    ws.addEventListener("error", () => {
      // A close event always follows an error event; the reconnect starts there.
    });
  }

  function receive(data: unknown): void {
    const parsed = serverFrameSchema.safeParse(typeof data === "string" ? parseJson(data) : data);
    if (!parsed.success) {
      logger.debug("Ignored an unknown or invalid frame.");
      return;
    }
    const frame = parsed.data;
    if (frame.type === "ready") {
      onReady();
      return;
    }
    if (frame.type === "pong") return;
    if (frame.type === "error") logger.warn("Server rejected a frame.", { code: frame.code });
    if (frame.type === "error" && frame.code === "unsupported_version") {
      becomeUnsupported();
      return;
    }
    delegate.onFrame(frame);
  }

  function onReady(): void {
    readyAtMs = Date.now();
    authRejections = 0;
    clearInterval(pingTimer);
    pingTimer = setInterval(() => sendFrame({ type: "ping" }), heartbeatIntervalMs);
    delegate.onStatus("online");
    delegate.onReady();
  }

  /** Arms the dead-socket timer: a socket silent for `timeoutMs` is closed and replaced. */
  function expectFrameWithin(ws: WebSocketLike, timeoutMs: number): void {
    clearTimeout(deadTimer);
    deadTimer = setTimeout(() => {
      if (socket !== ws) return;
      logger.warn("Socket silent for too long; reconnecting.", { silentMs: timeoutMs });
      abandon(ws);
      onClosed(undefined);
    }, timeoutMs);
  }

  function onClosed(code: number | undefined): void {
    socket = null;
    stopTimers();
    if (closed) return;
    if (readyAtMs !== null && Date.now() - readyAtMs >= stableAfterMs) attempt = 0;
    readyAtMs = null;
    if (code === closeCodes.unauthorized) {
      onAuthRejected();
      return;
    }
    if (code === closeCodes.unsupportedVersion) {
      becomeUnsupported();
      return;
    }
    delegate.onStatus("offline");
    scheduleReconnect(code);
  }

  function onAuthRejected(): void {
    authRejections += 1;
    if (authRejections > 1) {
      becomeUnauthorized();
      return;
    }
    delegate.onStatus("connecting");
    options.tokens.refresh(tokenUsed).then(
      () => connect(),
      () => becomeUnauthorized(),
    );
  }

  function becomeUnauthorized(): void {
    if (closed || suspended) return;
    unauthorized = true;
    logger.warn("Server rejected the token after a refresh; waiting for the app to sign in again.");
    delegate.onStatus("unauthorized");
  }

  /** Stops for good: only a newer client can talk to this server. */
  function becomeUnsupported(): void {
    if (closed || unsupported) return;
    unsupported = true;
    clearTimeout(reconnectTimer);
    stopTimers();
    if (socket !== null) abandon(socket);
    socket = null;
    logger.error("The server does not support this client's protocol version; update the app.", {
      protocolVersion,
    });
    delegate.onStatus("unsupported");
  }

  function scheduleReconnect(code: number | undefined): void {
    if (closed || suspended || unsupported) return;
    const delayMs = reconnectDelayMs(attempt, code, options.backoff, options.random);
    attempt += 1;
    waiting = true;
    delegate.onStatus("offline");
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(connect, delayMs);
  }

  function sendFrame(frame: ClientFrame): void {
    try {
      socket?.send(JSON.stringify(frame));
    } catch {
      // A socket that cannot send is found dead by the silence timer.
    }
  }

  function stopTimers(): void {
    clearTimeout(deadTimer);
    clearInterval(pingTimer);
  }

  return {
    start() {
      suspended = false;
      connect();
    },
    suspend() {
      if (closed) return;
      suspended = true;
      waiting = false;
      readyAtMs = null;
      clearTimeout(reconnectTimer);
      stopTimers();
      if (socket !== null) abandon(socket);
      socket = null;
    },
    wake() {
      if (closed || suspended) return;
      if (waiting || unauthorized) {
        clearTimeout(reconnectTimer);
        authRejections = 0;
        connect();
      } else {
        this.checkLiveness();
      }
    },
    send(frame) {
      if (closed || socket === null || readyAtMs === null) return false;
      sendFrame(frame);
      return true;
    },
    checkLiveness() {
      if (closed || socket === null || readyAtMs === null) return;
      sendFrame({ type: "ping" });
      expectFrameWithin(socket, Math.min(probeTimeoutMs, 2 * heartbeatIntervalMs));
    },
    close() {
      if (closed) return;
      closed = true;
      clearTimeout(reconnectTimer);
      stopTimers();
      if (socket !== null) abandon(socket);
      socket = null;
    },
  };
}

/** Closes a socket without waiting for it: a half-open socket may never report its close. */
function abandon(ws: WebSocketLike): void {
  try {
    ws.close();
  } catch {
    // Closing a socket that never opened can throw in some engines.
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
