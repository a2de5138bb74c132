import { closeCodes } from "@syncline/protocol";
import type { HubSocket, SocketHub } from "../ws/socket-hub.ts";
import { RateLimiter } from "./rate-limiter.ts";
import type { SecurityConfig } from "./security-config.ts";

/** The limits every socket session of one server shares. */
export interface SocketLimits {
  /** Client frames per user, over all of the user's sockets. */
  frames: RateLimiter;
  /** Auth frames per client IP address. */
  authAttempts: RateLimiter;
  /** Frames rejected in a row for the rate before the socket is closed with 4429. */
  framesOverLimitBeforeClose: number;
  maxSocketsPerUser: number;
  /** Origins allowed to open a socket, or undefined for every origin. */
  allowedOrigins: readonly string[] | undefined;
  /** Reverse proxies whose `X-Forwarded-For` entries name the client's address. */
  trustedProxyHops: number;
}

/** Builds the socket limits from the security settings. */
export function createSocketLimits(config: SecurityConfig): SocketLimits {
  return {
    frames: new RateLimiter(config.frames),
    authAttempts: new RateLimiter(config.authAttempts),
    framesOverLimitBeforeClose: config.framesOverLimitBeforeClose,
    maxSocketsPerUser: config.maxSocketsPerUser,
    allowedOrigins: config.allowedOrigins,
    trustedProxyHops: config.trustedProxyHops,
  };
}

/** The action a session takes on a frame after the rate check. */
export type FrameVerdict =
  | { action: "handle" }
  | { action: "reject"; retryAfterMs: number }
  | { action: "close"; code: number; reason: string };

/**
 * One socket's rate gate. A frame over the user's rate is rejected with an
 * error frame. Once more than `framesOverLimitBeforeClose` frames in a row
 * were rejected, the socket is closed with 4429, so a client that slows
 * down after an error frame keeps its socket.
 */
export class FrameRateGate {
  #rejectedInRow = 0;

  constructor(private readonly limits: SocketLimits) {}

  /** Checks an auth frame against the sender's IP address. */
  checkAuth(remoteAddress: string): FrameVerdict {
    const decision = this.limits.authAttempts.take(remoteAddress);
    if (decision.allowed) return { action: "handle" };
    const reason = "Too many auth attempts from this address; reconnect later.";
    return { action: "close", code: closeCodes.tryLater, reason };
  }

  /** Checks any frame of an authenticated user. */
  checkFrame(userId: string): FrameVerdict {
    const decision = this.limits.frames.take(userId);
    if (decision.allowed) {
      this.#rejectedInRow = 0;
      return { action: "handle" };
    }
    this.#rejectedInRow++;
    if (this.#rejectedInRow > this.limits.framesOverLimitBeforeClose) {
      const reason = "Too many frames over the rate limit; reconnect later.";
      return { action: "close", code: closeCodes.tryLater, reason };
    }
    return { action: "reject", retryAfterMs: decision.retryAfterMs };
  }
}

/**
 * Makes room for one more socket of `userId` by closing its oldest ones
 * with 4429. The new socket wins because a user who reopens the app must
 * not be locked out by sockets a crashed tab left half-open.
 */
export function evictOldestSockets(hub: SocketHub, userId: string, maxSockets: number): void {
  const sockets: HubSocket[] = hub.socketsOf(userId);
  for (const socket of sockets.slice(0, Math.max(0, sockets.length - maxSockets + 1))) {
    hub.remove(socket);
    socket.close(
      closeCodes.tryLater,
      `Over ${maxSockets} sockets for this user; closed the oldest.`,
    );
  }
}
