import type { Event } from "@syncline/protocol";
import type { ModelBugs } from "./client-store.ts";
import type { Network } from "./network.ts";
import type { Prng } from "./prng.ts";
import type { Scheduler } from "./scheduler.ts";
import type { SimClient } from "./sim-client.ts";
import type { SimServer } from "./sim-server.ts";

/** The parts of the simulated world a device uses. */
export interface SimContext {
  scheduler: Scheduler;
  prng: Prng;
  server: SimServer;
  network: Network;
  bugs: ModelBugs;
  /** Registers the device's socket on the server, so notify and read frames reach it. */
  openSocket(client: SimClient): void;
  /** Sends notify frames to the members' sockets after a push committed events. */
  fanout(committed: readonly Event[]): void;
  /** Crashes the server: it loses its sockets and undelivered responses, and restarts later. */
  crashServer(): string;
  /** Sends a `delivered` frame over the device's socket, if it has one. */
  sendDelivered(client: SimClient, conversationId: string, seq: number): void;
  /** Sends a `read` frame to the user's devices. */
  fanoutRead(userId: string, conversationId: string, readSeq: number): void;
}
