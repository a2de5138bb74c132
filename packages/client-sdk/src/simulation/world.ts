import type { Event, Op } from "@syncline/protocol";
import type { ModelBugs } from "./client-store.ts";
import type { SimContext } from "./context.ts";
import { checkConverged, InvariantChecker } from "./invariants.ts";
import { calmNetwork, Network, type NetworkFaults } from "./network.ts";
import { Prng } from "./prng.ts";
import { Scheduler } from "./scheduler.ts";
import { SimClient } from "./sim-client.ts";
import { SimServer } from "./sim-server.ts";

/** Options of one simulation run. */
export interface RunOptions {
  seed: number;
  /** Steps with faults and app actions, before the network heals. */
  steps: number;
  bugs?: ModelBugs;
  /** Receives one line per step when set. */
  trace?: (line: string) => void;
}

/** The result of a run; `failure` names the step and the violated invariant. */
export interface RunResult {
  seed: number;
  steps: number;
  failure?: { step: number; message: string };
}

/** Upper bound on the steps the healed run may take to go quiet. */
const maxQuiesceSteps = 50_000;

interface Socket {
  client: SimClient;
  clientIncarnation: number;
  serverIncarnation: number;
}

/** One seeded world: a server, its devices, the network and the scheduler that drives them all. */
export class World implements SimContext {
  readonly scheduler = new Scheduler();
  readonly prng: Prng;
  readonly server = new SimServer();
  readonly network: Network;
  readonly bugs: ModelBugs;
  readonly clients: SimClient[] = [];
  readonly sent: Array<{ deviceId: string; op: Op }> = [];
  readonly discarded = new Set<string>();
  private sockets: Socket[] = [];
  private nextClientId = 0;
  private healed = false;

  constructor(seed: number, bugs: ModelBugs) {
    this.prng = new Prng(seed);
    this.bugs = bugs;
    this.network = new Network(this.scheduler, this.prng, randomFaults(this.prng));
    this.server.unavailableRate = this.prng.next() * 0.1;
    this.populate();
  }

  /** Creates 2-5 users, some with two devices, and 1-3 conversations of 2 or more members. */
  private populate(): void {
    const users = Array.from({ length: this.prng.between(2, 5) }, (_, index) => `user${index}`);
    const memberships = new Map<string, string[]>(users.map((user) => [user, []]));
    const conversationCount = this.prng.between(1, 3);
    for (let index = 0; index < conversationCount; index++) {
      const members = users.filter((_, position) => position < 2 || this.prng.chance(0.5));
      const id = `conv${index}`;
      this.server.addConversation(id, members);
      for (const member of members) memberships.get(member)?.push(id);
    }
    for (const user of users) {
      const devices = this.prng.chance(0.4) ? 2 : 1;
      for (let device = 0; device < devices; device++) {
        const client = new SimClient(`${user}/d${device}`, user, memberships.get(user) ?? [], this);
        this.clients.push(client);
        client.start();
      }
    }
  }

  openSocket(client: SimClient): void {
    this.sockets = this.sockets.filter((socket) => socket.client !== client);
    this.sockets.push({
      client,
      clientIncarnation: client.incarnation,
      serverIncarnation: this.server.incarnation,
    });
  }

  fanout(committed: readonly Event[]): void {
    for (const conversationId of new Set(committed.map((event) => event.conversationId))) {
      const conversation = this.server.conversations.get(conversationId);
      if (conversation === undefined) continue;
      const events = committed.filter((event) => event.conversationId === conversationId);
      const inline = this.prng.chance(0.7);
      const frame = {
        type: "notify" as const,
        conversationId,
        latestSeq: conversation.events.length,
        ...(inline ? { events } : {}),
      };
      for (const socket of this.liveSockets()) {
        if (!conversation.members.includes(socket.client.userId)) continue;
        this.toSocket(socket, `notify ${conversationId}@${frame.latestSeq}`, (client) =>
          client.onNotify(frame),
        );
      }
    }
  }

  sendDelivered(client: SimClient, conversationId: string, seq: number): void {
    const socket = this.liveSockets().find((candidate) => candidate.client === client);
    if (socket === undefined || socket.clientIncarnation !== client.incarnation) return;
    this.network.send(`${client.deviceId} → server: delivered ${conversationId}@${seq}`, () => {
      if (socket.serverIncarnation !== this.server.incarnation) return;
      this.server.markDelivered(client.userId, conversationId, seq);
    });
  }

  fanoutRead(userId: string, conversationId: string, readSeq: number): void {
    for (const socket of this.liveSockets()) {
      if (socket.client.userId !== userId) continue;
      this.toSocket(socket, `read ${conversationId}@${readSeq}`, (client) =>
        client.onReadFrame(conversationId, readSeq),
      );
    }
  }

  private liveSockets(): Socket[] {
    return this.sockets.filter((socket) => socket.serverIncarnation === this.server.incarnation);
  }

  private toSocket(socket: Socket, label: string, deliver: (client: SimClient) => void): void {
    this.network.send(`server → ${socket.client.deviceId}: ${label}`, () => {
      const { client } = socket;
      const current = socket.serverIncarnation === this.server.incarnation;
      if (current && client.up && client.incarnation === socket.clientIncarnation) deliver(client);
    });
  }

  /** Runs one random app action or fault, or nothing. Returns its label. */
  injectAction(): string | undefined {
    const roll = this.prng.next();
    const client = this.prng.pick(this.clients);
    if (roll < 0.1) return this.sendMessage(client);
    if (roll < 0.12) return this.sendTargetOp(client);
    if (roll < 0.16) return this.markRead(client);
    if (roll < 0.18 && client.up) {
      client.crash();
      const downMs = this.prng.between(10, 2_000);
      this.scheduler.at(downMs, `${client.deviceId} restarts`, () => client.start());
      return `${client.deviceId} crashes`;
    }
    if (roll < 0.185 && this.server.up) return this.crashServer();
    if (roll < 0.19) return this.cutNetwork();
    if (roll < 0.192) {
      this.server.crashAfterCommits = this.prng.int(3);
      return `server will crash after ${this.server.crashAfterCommits} more commits`;
    }
    if (roll < 0.2) {
      client.sync();
      return `${client.deviceId} sync()`;
    }
    return undefined;
  }

  private sendMessage(client: SimClient): string | undefined {
    const conversationId = client.up ? this.prng.pick([...client.conversationIds, ""]) : "";
    if (conversationId === "") return undefined;
    const clientId = `m${String(this.nextClientId++).padStart(6, "0")}-${client.deviceId}`;
    const op: Op = { clientId, conversationId, type: "message", body: { text: clientId } };
    this.sent.push({ deviceId: client.deviceId, op });
    client.send(op);
    return `${client.deviceId} sends ${clientId} to ${conversationId}`;
  }

  /** Sends an edit of one of the user's stored messages, or a reaction to any stored message. */
  private sendTargetOp(client: SimClient): string | undefined {
    const conversationId = client.up ? this.prng.pick([...client.conversationIds, ""]) : "";
    const stored = [...(client.durable.events.get(conversationId)?.values() ?? [])];
    const targets = stored.filter((event) => event.type === "message");
    if (targets.length === 0) return undefined;
    const target = this.prng.pick(targets);
    const clientId = `o${String(this.nextClientId++).padStart(6, "0")}-${client.deviceId}`;
    const op: Op =
      target.senderId === client.userId && this.prng.chance(0.5)
        ? {
            clientId,
            conversationId,
            type: "message.edit",
            body: { targetSeq: target.seq, text: clientId },
          }
        : {
            clientId,
            conversationId,
            type: this.prng.chance(0.7) ? "reaction.add" : "reaction.remove",
            body: { targetSeq: target.seq, emoji: this.prng.pick(["+1", "ok", "x"]) },
          };
    this.sent.push({ deviceId: client.deviceId, op });
    client.send(op);
    return `${client.deviceId} sends ${op.type} ${clientId} on ${conversationId}#${target.seq}`;
  }

  private markRead(client: SimClient): string | undefined {
    const conversationId = client.up ? this.prng.pick([...client.conversationIds, ""]) : "";
    if (conversationId === "") return undefined;
    const seq = this.prng.between(0, client.durable.cursors.get(conversationId) ?? 0);
    client.markRead(conversationId, seq);
    return `${client.deviceId} marks ${conversationId} read up to ${seq}`;
  }

  crashServer(): string {
    this.server.up = false;
    this.server.crashAfterCommits = undefined;
    this.server.incarnation++;
    const closed = this.sockets;
    this.sockets = [];
    for (const { client, clientIncarnation } of closed) {
      this.scheduler.at(1, `${client.deviceId} sees its socket close`, () => {
        if (client.up && client.incarnation === clientIncarnation) client.onSocketClosed();
      });
    }
    const downMs = this.prng.between(10, 1_000);
    this.scheduler.at(downMs, "server restarts", () => {
      this.server.up = true;
    });
    return "server crashes";
  }

  /** Drops every message for a while, as when the whole network is down. */
  private cutNetwork(): string {
    const faults = this.network.faults;
    this.network.faults = { ...faults, dropRate: 1 };
    this.scheduler.at(this.prng.between(50, 3_000), "network back", () => {
      if (!this.healed) this.network.faults = faults;
    });
    return "network down";
  }

  /** Heals the network for good, restarts everything and has every device sync. */
  heal(): void {
    this.healed = true;
    this.network.faults = calmNetwork;
    this.server.unavailableRate = 0;
    this.server.crashAfterCommits = undefined;
    this.server.up = true;
    for (const client of this.clients) {
      if (!client.up) client.start();
      client.sync();
    }
  }
}

/** Runs one seed: random steps with invariant checks, then a healed run that must converge. */
export function runSeed(options: RunOptions): RunResult {
  const { seed, steps, trace } = options;
  const world = new World(seed, options.bugs ?? {});
  const checker = new InvariantChecker();
  const fail = (step: number, message: string): RunResult => ({
    seed,
    steps,
    failure: { step, message },
  });
  for (let step = 0; step < steps + maxQuiesceSteps; step++) {
    if (step === steps) {
      world.heal();
      trace?.(`${step} healing: calm network, every device up and syncing`);
    }
    const action = step < steps ? world.injectAction() : undefined;
    if (action !== undefined) trace?.(`${step} @${world.scheduler.nowMs}ms ${action}`);
    const label = world.scheduler.runNext();
    if (label !== undefined) trace?.(`${step} @${world.scheduler.nowMs}ms ${label}`);
    const problem = checker.check(world);
    if (problem !== undefined) return fail(step, problem);
    if (step >= steps && world.scheduler.size === 0) {
      const converged = checkConverged(world);
      return converged === undefined ? { seed, steps } : fail(step, converged);
    }
  }
  return fail(steps + maxQuiesceSteps, `the run did not go quiet within ${maxQuiesceSteps} steps`);
}

function randomFaults(prng: Prng): NetworkFaults {
  return {
    dropRate: prng.next() * 0.3,
    duplicateRate: prng.next() * 0.2,
    maxDelayMs: prng.between(5, 150),
  };
}
