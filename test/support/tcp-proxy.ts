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
  /**
   * While `stalled` is true, connections go half-open: the proxy stops
   * forwarding in both directions and drops the bytes, but closes nothing.
   * Connections that stalled stay dead afterwards, as a half-open TCP
   * connection never recovers; only new connections work again.
   */
  setStalled(stalled: boolean): void;
  /** Sends new connections to another port, such as a server started afresh; cuts the old ones. */
  setTargetPort(port: number): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  cutOnResponse: (() => void) | null;
  /** Set once the connection went half-open; its bytes are dropped from then on. */
  stalled: boolean;
}

const pushRequestLine = /^POST \/v1\/push[ ?]/m;

/** Starts a proxy on a random port of 127.0.0.1 that forwards to `targetHost:targetPort`. */
export async function startTcpProxy(
  targetPort: number,
  targetHost = "127.0.0.1",
): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let offline = false;
  let stalled = false;
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
    const pair: Pair = { client, upstream, cutOnResponse: null, stalled };
    pairs.add(pair);
    client.on("data", (chunk: Buffer) => {
      if (pair.stalled) return;
      const head = chunk.toString("latin1");
      if (pendingCut !== null && pushRequestLine.test(head)) {
        pair.cutOnResponse = pendingCut;
        pendingCut = null;
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (pair.stalled) return;
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
    setStalled(value) {
      stalled = value;
      if (value) for (const pair of pairs) pair.stalled = true;
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
