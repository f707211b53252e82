import type { EngineThreadState } from '../contract/api';

/**
 * When to restart a dead engine thread: at once the first time, then with doubling back-off up to
 * `maxDelayMs`, back to at once after it ran `stableAfterMs`; a thread that dies `maxRestarts`
 * times within `windowMs` is left stopped (something is wrong that restarting will not fix, and
 * the window says so instead of flapping).
 */
export class EngineRestartPolicy {
  private deaths: number[] = [];
  private delayMs = 0;
  private startedMs = 0;

  constructor(
    private readonly o: { baseDelayMs?: number; maxDelayMs?: number; stableAfterMs?: number; maxRestarts?: number; windowMs?: number } = {},
  ) {}

  /** The thread started at `nowMs`. */
  started(nowMs: number): void {
    this.startedMs = nowMs;
  }

  /** The thread died at `nowMs` with `reason`: restart after `inMs`, or stay stopped. */
  died(nowMs: number, reason: string): EngineThreadState {
    const windowMs = this.o.windowMs ?? 10 * 60_000;
    this.deaths = [...this.deaths.filter((t) => nowMs - t < windowMs), nowMs];
    if (this.deaths.length > (this.o.maxRestarts ?? 5)) {
      return { state: 'stopped', detail: `the engine stopped ${this.deaths.length} times in ${Math.round(windowMs / 60_000)} min (last: ${reason}); not restarting — trips are not being decided, call the engineer` };
    }
    const stable = nowMs - this.startedMs >= (this.o.stableAfterMs ?? 60_000);
    const base = this.o.baseDelayMs ?? 1000;
    this.delayMs = stable || this.delayMs === 0 ? (this.deaths.length === 1 || stable ? 0 : base) : Math.min(this.o.maxDelayMs ?? 30_000, Math.max(base, this.delayMs * 2));
    return { state: 'restarting', detail: `the engine stopped (${reason}); restarting${this.delayMs > 0 ? ` in ${Math.round(this.delayMs / 1000)} s` : ''}`, inMs: this.delayMs };
  }
}
