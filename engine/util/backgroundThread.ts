import { platform, setPriority } from 'node:os';

/** The nice value of background threads: Linux weighs a nice-10 thread at about a tenth of a normal one. */
const BACKGROUND_NICE = 10;

/**
 * Marks the calling worker thread as background work (online learning, proposal backtests): on
 * Linux, where nice applies to one thread, it runs at nice 10, so when the cores are busy the
 * scheduler runs the trip path, the console's host thread and the operator's browser first. On
 * other systems the priority is per process and would slow the whole console, so nothing changes.
 * Never throws: the thread works the same at its normal priority, and the answer says why.
 */
export function runAsBackground(): string {
  if (platform() !== 'linux') return `normal priority: thread priorities are per process on ${platform()}`;
  try {
    setPriority(0, BACKGROUND_NICE);
    return `nice ${BACKGROUND_NICE}`;
  } catch (err) {
    return `normal priority: ${err instanceof Error ? err.message : String(err)}`;
  }
}
