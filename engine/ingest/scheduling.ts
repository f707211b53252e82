/**
 * Time and scheduling seams for ingest. Nothing in engine/ingest reads `Date.now()` or calls
 * `setTimeout` directly: sources, the bus and quality tracking receive a {@link Clock} and a
 * {@link Scheduler}, so tests drive them deterministically and the engine can run on a worker's
 * own timers.
 */

/** Wall-clock milliseconds (epoch). Injected so tests and replays control time. */
export type Clock = () => number;

/** A scheduled callback that can be cancelled; cancelling twice or after it ran is harmless. */
export interface Scheduled {
  cancel(): void;
}

/**
 * Where deferred work runs. `soon` yields to the event loop (I/O and other timers run first),
 * `after` waits at least `ms`. Kept this small so a fake for tests is ten lines.
 */
export interface Scheduler {
  soon(fn: () => void): Scheduled;
  after(ms: number, fn: () => void): Scheduled;
}

/**
 * The Node scheduler: `setImmediate` for `soon` (runs after pending I/O, so a producer's socket
 * reads are never starved by a draining consumer) and `setTimeout` for `after`.
 */
export const nodeScheduler: Scheduler = {
  soon(fn) {
    const h = setImmediate(fn);
    return { cancel: () => clearImmediate(h) };
  },
  after(ms, fn) {
    const h = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(h) };
  },
};

/** Anything holding a timer, listener or handle; disposed exactly when its owner is. */
export interface Disposable {
  dispose(): void;
}
