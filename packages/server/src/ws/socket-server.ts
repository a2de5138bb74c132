import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { closeCodes, limits } from "@syncline/protocol";
import { WebSocketServer } from "ws";
import { clientAddress } from "../security/client-address.ts";
import { isOriginAllowed } from "../security/origins.ts";
import { type SessionContext, SocketSession } from "./socket-session.ts";

/** The WebSocket endpoint's path. */
export const socketPath = "/v1/ws";

/**
 * Frames past this size are cut off by `ws` itself (close 1009) before
 * they are buffered whole. Frames between `limits.maxFrameBytes` and this
 * size get the protocol's own close code 4413.
 */
const maxPayloadBytes = limits.maxRequestBytes;

/** How long shutdown waits for clients to complete the closing handshake. */
const closeGraceMs = 2000;

/** The WebSocket side of a running server. */
export interface SocketServer {
  /** Stops taking upgrades, closes every socket with 1012 and waits for them; idempotent. */
  close(): Promise<void>;
}

/**
 * Serves `GET /v1/ws` on an existing HTTP server through its `upgrade`
 * event, so HTTP and WebSocket share one port.
 */
export function attachSocketServer(server: Server, context: SessionContext): SocketServer {
  const sockets = new WebSocketServer({ noServer: true, maxPayload: maxPayloadBytes });
  let closing: Promise<void> | undefined;

  server.on("upgrade", (request: IncomingMessage, stream: Duplex, head: Buffer) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    if (path !== socketPath || closing !== undefined) {
      const status = closing === undefined ? "404 Not Found" : "503 Service Unavailable";
      stream.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    // Checked before the upgrade, against cross-site WebSocket hijacking.
    if (!isOriginAllowed(request.headers.origin, context.limits?.allowedOrigins)) {
      stream.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    const address = clientAddress(request, context.limits?.trustedProxyHops ?? 0);
    sockets.handleUpgrade(request, stream, head, (socket) => {
      new SocketSession(socket, context, address);
    });
  });

  return {
    close() {
      closing ??= closeAll(sockets, context);
      return closing;
    },
  };
}

async function closeAll(sockets: WebSocketServer, context: SessionContext): Promise<void> {
  const open = [...sockets.clients];
  const closed = open.map((socket) => new Promise((resolve) => socket.once("close", resolve)));
  context.hub.closeAll(closeCodes.serviceRestart, "The server is restarting.");
  for (const socket of open) socket.close(closeCodes.serviceRestart, "The server is restarting.");

  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise((resolve) => {
    timer = setTimeout(resolve, closeGraceMs);
  });
  await Promise.race([Promise.all(closed), grace]);
  clearTimeout(timer);

  for (const socket of sockets.clients) socket.terminate();
  await new Promise<void>((resolve) => sockets.close(() => resolve()));
}
