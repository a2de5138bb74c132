import type { Event, ServerFrame } from "@syncline/protocol";
import { describe, expect, test } from "vitest";
import { type HubSocket, SocketHub } from "./socket-hub.ts";

function makeEvent(seq: number): Event {
  return {
    conversationId: "c1",
    seq,
    clientId: `op-${seq}`,
    senderId: "alice",
    type: "message",
    body: { text: `m${seq}` },
    createdAt: "2026-01-01T00:00:00.000Z",
  } as Event;
}

function addSocket(hub: SocketHub, userId: string, bufferedBytes = 0) {
  const frames: ServerFrame[] = [];
  const socket: HubSocket = {
    connectionId: `socket-${userId}`,
    userId,
    bufferedBytes,
    sendText: (text) => frames.push(JSON.parse(text) as ServerFrame),
    close: () => hub.remove(socket),
  };
  hub.add(socket);
  return frames;
}

const members = (count: number) => Array.from({ length: count }, (_, i) => `u${i}`);

describe("notify inlining", () => {
  test("small group gets events inline", () => {
    const hub = new SocketHub(undefined, { notifyInlineMaxMembers: 3 });
    const frames = addSocket(hub, "u0");

    hub.publish({
      conversationId: "c1",
      latestSeq: 1,
      events: [makeEvent(1)],
      memberIds: members(3),
    });

    expect(frames).toEqual([
      { type: "notify", conversationId: "c1", latestSeq: 1, events: [makeEvent(1)] },
    ]);
  });

  test("large group gets bare notify", () => {
    const hub = new SocketHub(undefined, { notifyInlineMaxMembers: 3 });
    const frames = addSocket(hub, "u0");

    hub.publish({
      conversationId: "c1",
      latestSeq: 1,
      events: [makeEvent(1)],
      memberIds: members(4),
    });

    expect(frames).toEqual([{ type: "notify", conversationId: "c1", latestSeq: 1 }]);
  });

  test("memberCount overrides the local member list", () => {
    const hub = new SocketHub(undefined, { notifyInlineMaxMembers: 3 });
    const frames = addSocket(hub, "u0");

    hub.publish({
      conversationId: "c1",
      latestSeq: 1,
      events: [makeEvent(1)],
      memberIds: ["u0"],
      memberCount: 500,
    });

    expect(frames).toEqual([{ type: "notify", conversationId: "c1", latestSeq: 1 }]);
  });

  test("slow socket gets bare notify", () => {
    const hub = new SocketHub(undefined, { socketSoftBufferBytes: 1000 });
    const fast = addSocket(hub, "u0", 1000);
    const slow = addSocket(hub, "u1", 1001);

    hub.publish({
      conversationId: "c1",
      latestSeq: 1,
      events: [makeEvent(1)],
      memberIds: members(2),
    });

    expect(fast).toEqual([
      { type: "notify", conversationId: "c1", latestSeq: 1, events: [makeEvent(1)] },
    ]);
    expect(slow).toEqual([{ type: "notify", conversationId: "c1", latestSeq: 1 }]);
  });

  test("defaults are 100 members and 256 KiB", () => {
    const hub = new SocketHub();
    const atLimit = addSocket(hub, "u0", 256 * 1024);

    hub.publish({
      conversationId: "c1",
      latestSeq: 1,
      events: [makeEvent(1)],
      memberIds: members(100),
    });
    hub.publish({
      conversationId: "c1",
      latestSeq: 2,
      events: [makeEvent(2)],
      memberIds: members(101),
    });

    expect(atLimit.map((frame) => "events" in frame)).toEqual([true, false]);
  });
});
