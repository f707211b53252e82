import type { StoreOp } from './storeOps';
import type { StoreWriterStats } from './StoreWriter';

/**
 * What a host feeds store writes into, whichever thread commits them: `StoreWriter` writes on the
 * caller's thread (between event-loop turns), `WorkerStoreWriter` posts to a writer thread so a slow
 * disk, a long batch or a WAL checkpoint never blocks the engine. Hosts depend on this interface
 * only, so choosing the thread is one option of `openStore`, not a change in every caller.
 */
export interface StoreSink {
  /**
   * Queues one write without touching the disk. Returns false when the op will not be written
   * (dropped under overflow, or lost because the writer thread died); that is always counted in
   * `stats()` and reported to the sink's `onError`. Throws after `close()`.
   */
  enqueue(op: StoreOp): boolean;
  /** Resolves once everything enqueued before the call is committed; rejects with `StoreWriterError`. */
  flush(): Promise<void>;
  /** Stops accepting ops and writes what is queued; rejects with `StoreWriterError` if it cannot. */
  close(): Promise<void>;
  /** Counters for the status page; a worker-backed sink reports its thread's last snapshot. */
  stats(): StoreWriterStats;
}
