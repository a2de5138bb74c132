import type { ServerFrame } from "@syncline/protocol";
import { vi } from "vitest";
import WebSocket from "ws";

/** A test WebSocket client that records every frame and the close code. */
export interface TestSocket {
  socket: WebSocket;
  frames: ServerFrame[];
  /** The close code once the server closed the socket. */
  closeCode: number | undefined;
  send(frame: unknown): void;
  /** Polls until a frame matching `predicate` came, and returns it. */
  waitFor<T extends ServerFrame["type"]>(
    type: T,
    predicate?: (frame: Extract<ServerFrame, { type: T }>) => boolean,
  ): Promise<Extract<ServerFrame, { type: T }>>;
  /** Polls until the socket is closed, and returns the code. */
  waitForClose(): Promise<number>;
  close(): void;
}

/** Opens a socket to `${baseUrl}/v1/ws` and waits until it is open. */
export async function openSocket(baseUrl: string): Promise<TestSocket> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, "ws")}/v1/ws`);
  const client: TestSocket = {
    socket,
    frames: [],
    closeCode: undefined,
    send: (frame) => socket.send(typeof frame === "string" ? frame : JSON.stringify(frame)),
    async waitFor(type, predicate = () => true) {
      return vi.waitFor(() => {
        const found = client.frames.find(
          (frame) => frame.type === type && predicate(frame as never),
        );
        if (found === undefined) throw new Error(`No ${type} frame yet.`);
        return found as never;
      });
    },
    async waitForClose() {
      return vi.waitFor(() => {
        if (client.closeCode === undefined) throw new Error("The socket is still open.");
        return client.closeCode;
      });
    },
    close: () => socket.close(),
  };
  socket.on("message", (data) => client.frames.push(JSON.parse(String(data)) as ServerFrame));
  socket.on("close", (code) => {
    client.closeCode = code;
  });
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  return client;
}

/** Opens a socket and authenticates it with `token`, waiting for `ready`. */
export async function openReadySocket(baseUrl: string, token: string): Promise<TestSocket> {
  const client = await openSocket(baseUrl);
  client.send({ type: "auth", token });
  await client.waitFor("ready");
  return client;
}
