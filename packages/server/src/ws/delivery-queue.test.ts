import { setImmediate as nextTurn } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import { DeliveryQueue } from "./delivery-queue.ts";
import type { HubSocket } from "./socket-hub.ts";

/** Makes sockets that record the frames sent to them. */
function makeSockets(count: number): (HubSocket & { received: string[] })[] {
  return Array.from({ length: count }, (_, i) => {
    const received: string[] = [];
    return {
      connectionId: `c${i}`,
      userId: `u${i}`,
      received,
      sendText: (text: string) => received.push(text),
      close: () => {},
    };
  });
}

function job(sockets: ReturnType<typeof makeSockets>, text: string) {
  return { sockets, deliver: (socket: HubSocket) => socket.sendText(text) };
}

describe("DeliveryQueue", () => {
  test("small job is sent at once", () => {
    const queue = new DeliveryQueue(10);
    const sockets = makeSockets(5);

    queue.enqueue(job(sockets, "a"));

    expect(sockets.every((socket) => socket.received.length === 1)).toBe(true);
    expect(queue.depth).toBe(0);
  });

  test("large job yields between turns", async () => {
    const queue = new DeliveryQueue(100);
    const sockets = makeSockets(250);

    queue.enqueue(job(sockets, "a"));
    const sentFirst = sockets.filter((socket) => socket.received.length > 0).length;
    await nextTurn();
    const sentSecond = sockets.filter((socket) => socket.received.length > 0).length;
    await nextTurn();

    expect(sentFirst).toBe(100);
    expect(sentSecond).toBe(200);
    expect(sockets.every((socket) => socket.received.length === 1)).toBe(true);
  });

  test("each socket gets frames in queue order", async () => {
    const queue = new DeliveryQueue(7);
    const sockets = makeSockets(30);

    queue.enqueue(job(sockets, "first"));
    queue.enqueue(job(sockets.slice(3), "second"));
    queue.enqueue(job(sockets.slice(0, 2), "third"));
    while (queue.depth > 0) await nextTurn();

    expect(sockets[0]?.received).toEqual(["first", "third"]);
    expect(sockets[5]?.received).toEqual(["first", "second"]);
  });

  test("job queued by a send runs after the current one", () => {
    const queue = new DeliveryQueue(100);
    const sockets = makeSockets(3);
    const order: string[] = [];
    const nested = { sockets: sockets.slice(0, 1), deliver: () => order.push("nested") };

    queue.enqueue({
      sockets,
      deliver: (socket) => {
        order.push(socket.connectionId);
        if (socket.connectionId === "c0") queue.enqueue(nested);
      },
    });

    expect(order).toEqual(["c0", "c1", "c2", "nested"]);
  });

  test("a throwing send does not stall the queue", async () => {
    const queue = new DeliveryQueue(100);
    const sockets = makeSockets(2);

    expect(() =>
      queue.enqueue({
        sockets: sockets.slice(0, 1),
        deliver: () => {
          throw new Error("broken socket");
        },
      }),
    ).toThrow("broken socket");
    queue.enqueue(job(sockets, "after"));
    await nextTurn();

    expect(sockets[1]?.received).toEqual(["after"]);
  });
});
