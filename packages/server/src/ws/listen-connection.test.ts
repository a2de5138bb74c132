import { connect, createServer, type Server, type Socket } from "node:net";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import {
  createTemporaryDatabase,
  type TemporaryDatabase,
} from "../../../../test/support/postgres.ts";
import { isStoreUnavailable, silentLogger } from "../testing/harness.ts";
import { ListenConnection } from "./listen-connection.ts";

/** A TCP proxy whose open connections can be made silent, as a dead network path is. */
interface SilencingProxy {
  port: number;
  /** Drops all traffic of the connections open now, without closing them. */
  silenceOpen(): void;
  close(): Promise<void>;
}

async function startSilencingProxy(targetPort: number): Promise<SilencingProxy> {
  const open = new Set<{ silent: boolean; sockets: Socket[] }>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, "127.0.0.1");
    const pair = { silent: false, sockets: [client, upstream] };
    open.add(pair);
    client.on("data", (chunk) => pair.silent || upstream.write(chunk));
    upstream.on("data", (chunk) => pair.silent || client.write(chunk));
    for (const socket of pair.sockets) {
      socket.on("error", () => {});
      socket.on("close", () => {
        for (const other of pair.sockets) other.destroy();
        open.delete(pair);
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("The proxy has no port.");
  return {
    port: address.port,
    silenceOpen() {
      for (const pair of open) pair.silent = true;
    },
    async close() {
      for (const pair of open) for (const socket of pair.sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe.skipIf(isStoreUnavailable("postgres"))("LISTEN connection", () => {
  let database: TemporaryDatabase;
  let proxy: SilencingProxy;
  let sender: postgres.Sql;

  beforeAll(async () => {
    database = await createTemporaryDatabase("syncline_listen");
    proxy = await startSilencingProxy(Number(new URL(database.url).port || 5432));
    sender = postgres(database.url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await sender?.end();
    await proxy?.close();
    await database?.drop();
  });

  test("silent connection is replaced", async () => {
    const url = new URL(database.url);
    url.port = String(proxy.port);
    const payloads: string[] = [];
    let reconnects = 0;
    const listen: ListenConnection = new ListenConnection({
      url: url.toString(),
      channel: "listen_test",
      heartbeatMs: 200,
      logger: silentLogger,
      onPayload: (payload) => {
        if (payload.startsWith("ping:")) listen.pong(payload.slice(5));
        else payloads.push(payload);
      },
      onReconnect: () => reconnects++,
      sendPing: async (token) => {
        await sender`SELECT pg_notify('listen_test', ${`ping:${token}`})`;
      },
    });
    await listen.start();
    await sender`SELECT pg_notify('listen_test', 'first')`;
    await vi.waitFor(() => expect(payloads).toEqual(["first"]));

    proxy.silenceOpen();
    await vi.waitFor(() => expect(reconnects).toBe(1), { timeout: 10_000 });
    await sender`SELECT pg_notify('listen_test', 'second')`;

    await vi.waitFor(() => expect(payloads).toEqual(["first", "second"]));
    await listen.close();
  }, 30_000);
});
