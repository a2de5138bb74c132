import WebSocket from "ws";

/** A frame from the server, reduced to what the bench reads. */
export interface ServerFrameLite {
  type: string;
  conversationId?: string;
  latestSeq?: number;
  events?: { clientId: string; seq: number }[];
}

/** Opens `/v1/ws`, sends the auth frame and resolves once `ready` arrives. */
export function openReadySocket(
  baseUrl: string,
  token: string,
  onFrame: (frame: ServerFrameLite) => void,
  timeoutMs = 30_000,
): Promise<WebSocket> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, "ws")}/v1/ws`);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`No ready frame within ${timeoutMs} ms.`));
    }, timeoutMs);
    socket.on("open", () => socket.send(JSON.stringify({ type: "auth", token })));
    socket.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as ServerFrameLite;
      if (frame.type === "ready") {
        clearTimeout(timer);
        resolve(socket);
      }
      onFrame(frame);
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on("close", (code) => {
      clearTimeout(timer);
      reject(new Error(`Socket closed with ${code} before ready.`));
    });
  });
}
