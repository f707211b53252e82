import type { Clock, Scheduled, Scheduler } from '../../../../engine/ingest/scheduling';

interface Task {
  at: number;
  seq: number;
  fn: () => void;
  live: boolean;
}

/**
 * A virtual-time scheduler for tests: nothing runs until the test says so. `soon` tasks run on
 * `flush()`, `after` tasks when `advance()` moves the clock past their time (in time order).
 */
export class ManualScheduler implements Scheduler {
  nowMs: number;
  private seq = 0;
  private readonly tasks: Task[] = [];
  private readonly soonQueue: Task[] = [];

  constructor(startMs = 0) {
    this.nowMs = startMs;
  }

  readonly clock: Clock = () => this.nowMs;

  soon(fn: () => void): Scheduled {
    const t: Task = { at: this.nowMs, seq: this.seq++, fn, live: true };
    this.soonQueue.push(t);
    return { cancel: () => void (t.live = false) };
  }

  after(ms: number, fn: () => void): Scheduled {
    const t: Task = { at: this.nowMs + Math.max(0, ms), seq: this.seq++, fn, live: true };
    this.tasks.push(t);
    return { cancel: () => void (t.live = false) };
  }

  /** Pending live tasks (soon + timers). */
  get pending(): number {
    return this.soonQueue.filter((t) => t.live).length + this.tasks.filter((t) => t.live).length;
  }

  /** Runs one event-loop turn: the `soon` tasks queued now, not those they queue. Returns how many ran. */
  turn(): number {
    const batch = this.soonQueue.splice(0);
    let ran = 0;
    for (const t of batch) {
      if (!t.live) continue;
      t.live = false;
      t.fn();
      ran++;
    }
    return ran;
  }

  /** Runs `soon` tasks until none are left (bounded, to catch livelocks). */
  flush(maxTurns = 1_000_000): number {
    let ran = 0;
    while (this.soonQueue.length > 0) {
      if (ran++ > maxTurns) throw new Error('ManualScheduler.flush: too many turns');
      const t = this.soonQueue.shift()!;
      if (t.live) {
        t.live = false;
        t.fn();
      }
    }
    return ran;
  }

  /** Moves time forward by `ms`, running timers (and the soon tasks they create) in order. */
  advance(ms: number): void {
    const end = this.nowMs + ms;
    this.flush();
    for (;;) {
      const due = this.tasks.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.nowMs = Math.max(this.nowMs, due.at);
      due.live = false;
      this.tasks.splice(this.tasks.indexOf(due), 1);
      due.fn();
      this.flush();
    }
    this.nowMs = end;
  }
}
