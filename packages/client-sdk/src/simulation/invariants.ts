import type { Event, Op } from "@syncline/protocol";
import { foldEvents } from "../fold.ts";
import type { SimClient } from "./sim-client.ts";
import type { SimServer } from "./sim-server.ts";

/** The parts of the world the checker reads after each step. */
export interface WorldView {
  server: SimServer;
  clients: readonly SimClient[];
  /** Every op an app sent, by the device that sent it. */
  sent: ReadonlyArray<{ deviceId: string; op: Op }>;
  /** Client ids of failed ops the app discarded, which may leave the outbox unsent. */
  discarded: ReadonlySet<string>;
}

/**
 * Checks the sync invariants after every step and remembers what it needs
 * to see that cursors and read positions never move back.
 */
export class InvariantChecker {
  private cursors = new Map<string, number>();
  private reads = new Map<string, number>();
  private committed = new WeakSet<Op>();

  /** Returns a description of the first violated invariant, or undefined. */
  check(world: WorldView): string | undefined {
    return (
      this.checkNothingLost(world) ??
      checkServerLog(world.server) ??
      firstOf(world.clients, (client) => this.checkClient(world.server, client)) ??
      this.checkServerReads(world.server) ??
      checkDelivered(world)
    );
  }

  /**
   * I21: every op an app sent is committed, still in its device's outbox, or
   * was discarded. The server model never loses a commit, so a committed op
   * is not looked at again.
   */
  private checkNothingLost(world: WorldView): string | undefined {
    const byDevice = new Map(world.clients.map((client) => [client.deviceId, client]));
    for (const { deviceId, op } of world.sent) {
      if (this.committed.has(op) || world.discarded.has(op.clientId)) continue;
      const conversation = world.server.conversations.get(op.conversationId);
      const event = conversation?.byClientId.get(op.clientId);
      if (event !== undefined && JSON.stringify(event.body) === JSON.stringify(op.body)) {
        this.committed.add(op);
        continue;
      }
      const outbox = byDevice.get(deviceId)?.durable.outbox ?? [];
      if (!outbox.some((row) => row.op === op))
        return `I21 op ${op.clientId} of ${deviceId} was lost`;
    }
    return undefined;
  }

  private checkClient(server: SimServer, client: SimClient): string | undefined {
    const seen = new Set<string>();
    for (const [conversationId, events] of client.durable.events) {
      const log = server.conversations.get(conversationId)?.events ?? [];
      for (const [seq, event] of events) {
        if (!sameEvent(event, log[seq - 1])) {
          return `I20 ${client.deviceId} stores at ${conversationId}#${seq} an event the server does not have there`;
        }
        if (seen.has(event.clientId)) return `I2 ${client.deviceId} stores ${event.clientId} twice`;
        seen.add(event.clientId);
      }
      const problem = this.checkCursor(client, conversationId, events);
      if (problem !== undefined) return problem;
      const key = `${client.deviceId}/${conversationId}`;
      const readSeq = client.durable.readSeqs.get(conversationId) ?? 0;
      if (readSeq < (this.reads.get(key) ?? 0)) return `I12 read position of ${key} moved back`;
      this.reads.set(key, readSeq);
    }
    for (const row of client.durable.outbox) {
      if (seen.has(row.op.clientId)) {
        return `I2 ${client.deviceId} keeps ${row.op.clientId} in the outbox after storing its event`;
      }
      if (seen.has(`outbox:${row.op.clientId}`)) {
        return `I2 ${client.deviceId} has ${row.op.clientId} twice in the outbox`;
      }
      seen.add(`outbox:${row.op.clientId}`);
    }
    return undefined;
  }

  private checkCursor(
    client: SimClient,
    conversationId: string,
    events: ReadonlyMap<number, Event>,
  ): string | undefined {
    const key = `${client.deviceId}/${conversationId}`;
    const cursor = client.durable.cursors.get(conversationId) ?? 0;
    for (let seq = 1; seq <= cursor; seq++) {
      if (!events.has(seq)) return `I1 cursor of ${key} is ${cursor} but seq ${seq} is missing`;
    }
    if (cursor < (this.cursors.get(key) ?? 0)) return `I9 cursor of ${key} moved back to ${cursor}`;
    this.cursors.set(key, cursor);
    return undefined;
  }

  private checkServerReads(server: SimServer): string | undefined {
    for (const conversation of server.conversations.values()) {
      for (const [userId, readSeq] of conversation.readSeqs) {
        const key = `server/${conversation.id}/${userId}`;
        if (readSeq < (this.reads.get(key) ?? 0))
          return `I12 server read position ${key} moved back`;
        this.reads.set(key, readSeq);
      }
      for (const [userId, deliveredSeq] of conversation.deliveredSeqs) {
        const key = `server/${conversation.id}/${userId}/delivered`;
        if (deliveredSeq < (this.reads.get(key) ?? 0)) {
          return `I12 server delivered watermark ${key} moved back`;
        }
        this.reads.set(key, deliveredSeq);
      }
    }
    return undefined;
  }
}

/**
 * I17: a member's delivered watermark never exceeds the cursor of the
 * member's furthest device, because a report names a seq below which
 * every event is stored, and a device never loses stored events.
 */
function checkDelivered(world: WorldView): string | undefined {
  for (const conversation of world.server.conversations.values()) {
    for (const [userId, deliveredSeq] of conversation.deliveredSeqs) {
      const cursors = world.clients
        .filter((client) => client.userId === userId)
        .map((client) => client.durable.cursors.get(conversation.id) ?? 0);
      if (deliveredSeq > Math.max(0, ...cursors)) {
        return `I17 ${userId} reported ${conversation.id} delivered up to ${deliveredSeq}, past every device's cursor`;
      }
    }
  }
  return undefined;
}

/** Checks that the server's log has no gap and contains each client id once. */
function checkServerLog(server: SimServer): string | undefined {
  for (const conversation of server.conversations.values()) {
    const clientIds = new Set<string>();
    for (const [index, event] of conversation.events.entries()) {
      if (event.seq !== index + 1) return `server log ${conversation.id} has a gap at ${index + 1}`;
      if (clientIds.has(event.clientId))
        return `server log ${conversation.id} repeats ${event.clientId}`;
      clientIds.add(event.clientId);
    }
  }
  return undefined;
}

/**
 * I22, checked once the run is quiet: every device stores the server's whole
 * log with its cursor at the end, folds it to the same messages as the
 * server's log, and has an empty outbox and no unconfirmed read position.
 */
export function checkConverged(world: WorldView): string | undefined {
  for (const client of world.clients) {
    for (const id of client.conversationIds) {
      const log = world.server.conversations.get(id)?.events ?? [];
      const stored = client.durable.events.get(id) ?? new Map<number, Event>();
      const cursor = client.durable.cursors.get(id) ?? 0;
      if (stored.size !== log.length || cursor !== log.length) {
        return `I22 ${client.deviceId} stores ${stored.size} events of ${id} with cursor ${cursor}, but the server's log has ${log.length}`;
      }
      if (foldKey([...stored.values()]) !== foldKey(log)) {
        return `I22 ${client.deviceId} folds ${id} to other messages than the server's log`;
      }
    }
    if (client.durable.outbox.length > 0)
      return `I22 ${client.deviceId} still has ${client.durable.outbox.length} outbox rows`;
    if (client.durable.pendingReads.size > 0)
      return `I22 ${client.deviceId} still has unconfirmed read positions`;
  }
  return undefined;
}

/** Pairs already found equal. Events never change once written, so an equal pair stays equal. */
const equalPairs = new WeakMap<Event, Event>();

/** Serializes the messages `foldEvents` makes of some events, so two folds can be compared. */
function foldKey(events: readonly Event[]): string {
  const messages = foldEvents(events).map((message) => ({
    ...message,
    reactors: [...message.reactors].map(([emoji, users]) => [emoji, [...users].sort()]),
  }));
  return JSON.stringify(messages);
}

function sameEvent(a: Event, b: Event | undefined): boolean {
  if (b === undefined) return false;
  if (a === b || equalPairs.get(a) === b) return true;
  const same =
    a.seq === b.seq &&
    a.seq === b.seq &&
    a.clientId === b.clientId &&
    a.senderId === b.senderId &&
    a.type === b.type &&
    a.createdAt === b.createdAt &&
    JSON.stringify(a.body) === JSON.stringify(b.body);
  if (same) equalPairs.set(a, b);
  return same;
}

function firstOf<T>(
  items: readonly T[],
  check: (item: T) => string | undefined,
): string | undefined {
  for (const item of items) {
    const problem = check(item);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
