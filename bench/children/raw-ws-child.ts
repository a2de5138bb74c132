import { WebSocketServer } from "ws";
import { serveParent } from "./ipc.ts";
import { createProcessProbe } from "./process-probe.ts";

/**
 * The ceiling of the socket scenarios: a bare `ws` server that replies `ready`
 * to any auth frame and broadcasts a given frame to every socket.
 */
const server = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/v1/ws" });
await new Promise<void>((resolve) => server.once("listening", () => resolve()));
const probe = createProcessProbe();

server.on("connection", (socket) => {
  socket.once("message", () => {
    socket.send(JSON.stringify({ type: "ready", userId: "raw", connectionId: "raw" }));
  });
});

serveParent(
  {
    reset: () => {
      probe.reset();
      return {};
    },
    read: () => probe.read(),
    broadcast(request) {
      const text = request.text as string;
      for (const socket of server.clients) socket.send(text);
      return { sockets: server.clients.size };
    },
  },
  async () => {
    for (const socket of server.clients) socket.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  },
);
const address = server.address();
const port = typeof address === "object" && address !== null ? address.port : 0;
process.send?.({ url: `http://127.0.0.1:${port}` });
