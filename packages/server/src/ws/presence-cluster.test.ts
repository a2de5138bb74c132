import type { ServerFrame } from "@syncline/protocol";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import type { Row, SqlRunner } from "../store/store.ts";
import { silentLogger } from "../testing/harness.ts";
import { PresenceTracker } from "./presence.ts";
import type { PresenceChannel, PresenceMessage } from "./presence-channel.ts";

/** A store whose every query returns bob as the audience. */
const audienceStore: SqlRunner = {
  query: async <R extends Row>() => [{ user_id: "bob" }] as unknown as R[],
};

/** Channels that deliver each message to every other attached channel, in a microtask. */
class MemoryBus {
  readonly channels = new Set<PresenceChannel>();
  readonly sent: { nodeId: string; message: PresenceMessage }[] = [];

  open(nodeId: string): PresenceChannel {
    const channel: PresenceChannel = {
      nodeId,
      onPresence: undefined,
      sendPresence: (message) => {
        if (!this.channels.has(channel)) return;
        this.sent.push({ nodeId, message });
        const copy = JSON.parse(JSON.stringify(message)) as PresenceMessage;
        for (const other of this.channels) {
          if (other !== channel) queueMicrotask(() => other.onPresence?.(nodeId, copy));
        }
      },
    };
    this.channels.add(channel);
    return channel;
  }

  /** Cuts a channel off, as when its process is killed. */
  cut(channel: PresenceChannel): void {
    this.channels.delete(channel);
  }
}

interface Node {
  tracker: PresenceTracker;
  channel: PresenceChannel;
  frames: ServerFrame[];
}

const ttlMs = 9000;
const graceMs = 2000;

describe("PresenceTracker across nodes", () => {
  let bus: MemoryBus;
  let nodes: Node[];

  function startNode(nodeId: string): Node {
    const channel = bus.open(nodeId);
    const frames: ServerFrame[] = [];
    const tracker = new PresenceTracker({
      store: audienceStore,
      notifier: { publish: () => {}, send: (frame) => frames.push(frame) },
      channel,
      logger: silentLogger,
      ttlMs,
      graceMs,
      maxGroupSize: 100,
    });
    const node = { tracker, channel, frames };
    nodes.push(node);
    return node;
  }

  const statusesAbout = (node: Node, userId: string) =>
    node.frames.flatMap((frame) =>
      frame.type === "presence" && frame.userId === userId ? [frame.status] : [],
    );

  beforeEach(() => {
    vi.useFakeTimers();
    bus = new MemoryBus();
    nodes = [];
  });
  afterEach(() => {
    for (const node of nodes) node.tracker.close();
    vi.useRealTimers();
  });

  test("user on one node is online on the other", async () => {
    const a = startNode("a");
    const b = startNode("b");

    a.tracker.connect("s1", "ann");
    await vi.advanceTimersByTimeAsync(10);

    expect(b.tracker.statusOf("ann").status).toBe("online");
    expect(b.tracker.statusOf("ann").lastSeenAt).toBe(a.tracker.statusOf("ann").lastSeenAt);
    expect(statusesAbout(b, "ann")).toEqual(["online"]);
  });

  test("closed socket goes offline everywhere after grace", async () => {
    const a = startNode("a");
    const b = startNode("b");
    a.tracker.connect("s1", "ann");
    await vi.advanceTimersByTimeAsync(3000);
    a.tracker.touch("s1");
    const lastSeenAt = a.tracker.statusOf("ann").lastSeenAt;

    a.tracker.disconnect("s1");
    await vi.advanceTimersByTimeAsync(graceMs - 100);
    const withinGrace = b.tracker.statusOf("ann").status;
    await vi.advanceTimersByTimeAsync(200);

    expect(withinGrace).toBe("online");
    expect(b.tracker.statusOf("ann")).toEqual({ userId: "ann", status: "offline", lastSeenAt });
    expect(statusesAbout(b, "ann")).toEqual(["online", "offline"]);
  });

  test("user held by two nodes stays online", async () => {
    const a = startNode("a");
    const b = startNode("b");
    a.tracker.connect("s1", "ann");
    b.tracker.connect("s2", "ann");
    await vi.advanceTimersByTimeAsync(10);

    a.tracker.disconnect("s1");
    await vi.advanceTimersByTimeAsync(graceMs * 3);

    expect(a.tracker.statusOf("ann").status).toBe("online");
    expect(b.tracker.statusOf("ann").status).toBe("online");
    expect(statusesAbout(a, "ann")).toEqual(["online"]);
    expect(statusesAbout(b, "ann")).toEqual(["online"]);
  });

  test("beats keep a remote user online past the ttl", async () => {
    const a = startNode("a");
    const b = startNode("b");
    a.tracker.connect("s1", "ann");

    for (let elapsed = 0; elapsed < ttlMs * 3; elapsed += 1000) {
      a.tracker.touch("s1");
      await vi.advanceTimersByTimeAsync(1000);
    }

    expect(b.tracker.statusOf("ann").status).toBe("online");
    expect(statusesAbout(b, "ann")).toEqual(["online"]);
  });

  test("silent node's users go offline after the ttl", async () => {
    const a = startNode("a");
    const b = startNode("b");
    a.tracker.connect("s1", "ann");
    await vi.advanceTimersByTimeAsync(10);

    bus.cut(a.channel);
    await vi.advanceTimersByTimeAsync(ttlMs - 3000);
    const beforeTtl = b.tracker.statusOf("ann").status;
    await vi.advanceTimersByTimeAsync(3000 + ttlMs / 4);

    expect(beforeTtl).toBe("online");
    expect(b.tracker.statusOf("ann").status).toBe("offline");
    expect(b.tracker.statusOf("ann").lastSeenAt).not.toBeNull();
    expect(statusesAbout(b, "ann")).toEqual(["online", "offline"]);
  });

  test("stopping node's users go offline after grace", async () => {
    const a = startNode("a");
    const b = startNode("b");
    a.tracker.connect("s1", "ann");
    await vi.advanceTimersByTimeAsync(10);

    a.tracker.close();
    await vi.advanceTimersByTimeAsync(10);
    const withinGrace = b.tracker.statusOf("ann").status;
    await vi.advanceTimersByTimeAsync(graceMs + ttlMs / 4);

    expect(withinGrace).toBe("online");
    expect(b.tracker.statusOf("ann").status).toBe("offline");
  });

  test("reconnect to another node within grace sends nothing", async () => {
    const a = startNode("a");
    const b = startNode("b");
    a.tracker.connect("s1", "ann");
    await vi.advanceTimersByTimeAsync(10);

    a.tracker.close();
    b.tracker.connect("s2", "ann");
    await vi.advanceTimersByTimeAsync(graceMs * 3);

    expect(b.tracker.statusOf("ann").status).toBe("online");
    expect(statusesAbout(b, "ann")).toEqual(["online"]);
  });

  test("late node learns presence from hello", async () => {
    const a = startNode("a");
    for (let index = 0; index < 1000; index++) a.tracker.connect(`s${index}`, `user-${index}`);
    await vi.advanceTimersByTimeAsync(10);

    const c = startNode("c");
    await vi.advanceTimersByTimeAsync(10);

    for (let index = 0; index < 1000; index++) {
      expect(c.tracker.statusOf(`user-${index}`).status).toBe("online");
    }
    const beats = bus.sent.filter(({ message }) => message.kind === "beat");
    expect(beats.length).toBeGreaterThan(1);
    for (const { message } of bus.sent) {
      expect(Buffer.byteLength(JSON.stringify(message))).toBeLessThan(7000);
    }
  });
});
