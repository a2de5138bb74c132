import type { Logger } from "pino";
import postgres from "postgres";

/** The `application_name` of LISTEN connections, so operators can find them in pg_stat_activity. */
export const listenApplicationName = "syncline-listen";

/** Options of {@link ListenConnection}. */
export interface ListenOptions {
  url: string;
  channel: string;
  /** Called with each payload that arrives on the channel. */
  onPayload(payload: string): void;
  /** Called after the connection came back, when notifications may have been missed. */
  onReconnect(): void;
  /** Sends a self-poke with the given token; the caller routes its echo to `pong`. */
  sendPing(token: string): Promise<void>;
  heartbeatMs: number;
  logger: Logger;
}

/**
 * A watched LISTEN connection. Notifications sent while it is down are
 * lost for good, so every way back up ends in `onReconnect`: the driver
 * re-listening after the socket closed, or this class replacing a
 * connection whose self-poke did not return within a heartbeat.
 */
export class ListenConnection {
  readonly #options: ListenOptions;
  #client: postgres.Sql | undefined;
  #timer: NodeJS.Timeout | undefined;
  #pendingPing: string | undefined;
  #pings = 0;
  #replacing = false;
  #closed = false;

  constructor(options: ListenOptions) {
    this.#options = options;
  }

  /** Opens the connection and starts the heartbeat; rejects when the first LISTEN fails. */
  async start(): Promise<void> {
    await this.#connect(false);
    this.#timer = setInterval(() => this.#beat(), this.#options.heartbeatMs);
    this.#timer.unref();
  }

  /** Marks the self-poke with this token as returned. */
  pong(token: string): void {
    if (token === this.#pendingPing) this.#pendingPing = undefined;
  }

  /** Stops the heartbeat and closes the connection; idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#client?.end({ timeout: 0 });
  }

  async #connect(reconnecting: boolean): Promise<void> {
    const client = postgres(this.#options.url, {
      max: 1,
      onnotice: () => {},
      connection: { application_name: listenApplicationName },
    });
    this.#client = client;
    let listening = reconnecting;
    await client.listen(this.#options.channel, this.#options.onPayload, () => {
      // The first LISTEN of the first connection needs no catch-up; every later one does.
      if (listening && !this.#closed) {
        this.#options.logger.warn("LISTEN connection re-established; sockets will pull");
        this.#options.onReconnect();
      }
      listening = true;
    });
  }

  #beat(): void {
    if (this.#closed || this.#replacing) return;
    if (this.#pendingPing !== undefined) {
      void this.#replace();
      return;
    }
    const token = `${++this.#pings}`;
    this.#pendingPing = token;
    this.#options.sendPing(token).catch((error: unknown) => {
      this.#options.logger.warn({ err: error }, "LISTEN heartbeat could not be sent");
    });
  }

  /** Drops a silent connection and opens a new one. */
  async #replace(): Promise<void> {
    this.#replacing = true;
    this.#options.logger.warn("LISTEN connection is silent; replacing it");
    const old = this.#client;
    try {
      await old?.end({ timeout: 0 });
      if (this.#closed) return;
      await this.#connect(true);
      this.#pendingPing = undefined;
    } catch (error) {
      this.#options.logger.warn(
        { err: error },
        "LISTEN reconnect failed; retrying at the next beat",
      );
    } finally {
      this.#replacing = false;
    }
  }
}
