/** Cancels a scheduled callback; calling it after the callback ran does nothing. */
export type Cancel = () => void;

/**
 * How the writer gets time. Injected so tests decide exactly when a flush happens (and can prove
 * that `enqueue` alone never touches the disk), and so no test waits on real timers.
 */
export interface Scheduler {
  /** Runs `fn` after the current event-loop turn (the engine's frame handling) has finished. */
  defer(fn: () => void): Cancel;
  /** Runs `fn` after `delayMs` (retry back-off). */
  after(delayMs: number, fn: () => void): Cancel;
}

/**
 * Production scheduler: `setImmediate` lets every pending I/O callback (the next sensor frame) run
 * before a batch is written; timers are ref'd on purpose, so a process does not exit while a retry
 * still holds unwritten incident records.
 */
export const nodeScheduler: Scheduler = {
  defer(fn) {
    const handle = setImmediate(fn);
    return () => clearImmediate(handle);
  },
  after(delayMs, fn) {
    const handle = setTimeout(fn, delayMs);
    return () => clearTimeout(handle);
  },
};
