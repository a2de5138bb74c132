/** A task due at a virtual time, with a label for the trace. */
interface Task {
  atMs: number;
  order: number;
  label: string;
  run: () => void;
}

/**
 * The one scheduler of a simulation run: a queue of tasks ordered by
 * virtual time, then by the order they were scheduled. Nothing runs on
 * real time, so a run depends only on its seed.
 */
export class Scheduler {
  nowMs = 0;
  private tasks: Task[] = [];
  private scheduled = 0;

  /** Schedules `run` after `delayMs` of virtual time. */
  at(delayMs: number, label: string, run: () => void): void {
    const task = { atMs: this.nowMs + delayMs, order: this.scheduled++, label, run };
    let index = this.tasks.length;
    while (index > 0 && isBefore(task, this.tasks[index - 1] as Task)) index--;
    this.tasks.splice(index, 0, task);
  }

  /** Runs the earliest task and returns its label, or undefined when the queue is empty. */
  runNext(): string | undefined {
    const task = this.tasks.shift();
    if (task === undefined) return undefined;
    this.nowMs = task.atMs;
    task.run();
    return task.label;
  }

  get size(): number {
    return this.tasks.length;
  }
}

function isBefore(a: Task, b: Task): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.order < b.order);
}
