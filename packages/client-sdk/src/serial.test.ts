import { expect, test } from "vitest";
import { coalesce, createSerial } from "./serial.ts";

function deferredTask() {
  const releases: Array<() => void> = [];
  let runs = 0;
  const task = () => {
    runs += 1;
    return new Promise<void>((resolve) => releases.push(resolve));
  };
  return { task, releases, runs: () => runs };
}

test("serial runs tasks one at a time in order", async () => {
  const serial = createSerial();
  const order: string[] = [];
  const slow = serial(async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    order.push("slow");
  });
  const failing = serial(async () => {
    order.push("failing");
    throw new Error("boom");
  });
  const fast = serial(async () => {
    order.push("fast");
  });

  await Promise.allSettled([slow, failing, fast]);

  expect(order).toEqual(["slow", "failing", "fast"]);
});

test("coalesce shares one follow-up run", async () => {
  const { task, releases, runs } = deferredTask();
  const refresh = coalesce(task);

  const first = refresh();
  const second = refresh();
  const third = refresh();
  releases[0]?.();
  await first;
  await Promise.resolve();
  releases[1]?.();
  await Promise.all([second, third]);

  expect(runs()).toBe(2);
  expect(second).toBe(third);
});

test("coalesce starts afresh after a run ends", async () => {
  const { task, releases, runs } = deferredTask();
  const refresh = coalesce(task);
  const first = refresh();
  releases[0]?.();
  await first;

  const later = refresh();
  releases[1]?.();
  await later;

  expect(runs()).toBe(2);
});
