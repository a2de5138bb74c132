import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy on 127.0.0.1 in front of a test server, for faults that only
 * the network can make: a push whose response never arrives, an outage, a
 * server replaced behind the same address. It reads the start of each
 * request only to find the push to cut.
 */
export interface TcpProxy {
  /** Base URL of the proxy, such as "http://127.0.0.1:54321". */
  url: string;
  /**
   * Cuts the connection of the next `POST /v1/push` as soon as the server
   * starts responding to it. The request took effect, but the client never
   * gets the response. Resolves once the cut happened.
   */
  cutNextPushResponse(): Promise<void>;
  /** Cuts every connection and resets new ones while `offline` is true, like a network outage. */
  setOffline(offline: boolean): void;
  /** Sends new connections to another port, such as a server started afresh; cuts the old ones. */
  setTargetPort(port: number): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  cutOnResponse: (() => void) | null;
}

const pushRequestLine = /^POST \/v1\/push[ ?]/m;

/** Starts a proxy on a random port of 127.0.0.1 that forwards to `targetHost:targetPort`. */
export async function startTcpProxy(
  targetPort: number,
  targetHost = "127.0.0.1",
): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let offline = false;
  let pendingCut: (() => void) | null = null;
  let currentPort = targetPort;

  const cut = (pair: Pair) => {
    pair.client.destroy();
    pair.upstream.destroy();
    pairs.delete(pair);
  };

  const server: Server = createServer((client) => {
    if (offline) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(currentPort, targetHost);
    const pair: Pair = { client, upstream, cutOnResponse: null };
    pairs.add(pair);
    client.on("data", (chunk: Buffer) => {
      const head = chunk.toString("latin1");
      if (pendingCut !== null && pushRequestLine.test(head)) {
        pair.cutOnResponse = pendingCut;
        pendingCut = null;
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (pair.cutOnResponse !== null) {
        const done = pair.cutOnResponse;
        cut(pair);
        done();
        return;
      }
      client.write(chunk);
    });
    const end = () => cut(pair);
    for (const socket of [client, upstream]) {
      socket.on("error", end);
      socket.on("close", end);
    }
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("The proxy has no port.");

  return {
    url: `http://127.0.0.1:${address.port}`,
    cutNextPushResponse: () =>
      new Promise<void>((resolve) => {
        pendingCut = resolve;
      }),
    setOffline(value) {
      offline = value;
      if (value) for (const pair of [...pairs]) cut(pair);
    },
    setTargetPort(port) {
      currentPort = port;
      for (const pair of [...pairs]) cut(pair);
    },
    close() {
      for (const pair of [...pairs]) cut(pair);
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
