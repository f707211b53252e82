import type { StoreError } from './result';
import type { StoreOp, StoreOpKind } from './storeOps';
import type { StoreWriterIssue, StoreWriterOptions, StoreWriterStats } from './StoreWriter';

/** The writer's tuning that can cross to the thread (plain numbers; callbacks stay on the host). */
export type StoreWriterTuning = Pick<
  StoreWriterOptions,
  'maxBatchOps' | 'maxBoundedOps' | 'backlogThreshold' | 'retryBaseMs' | 'retryMaxMs' | 'maxRejectedKept'
>;

/** `workerData` of the writer thread. */
export interface StoreWorkerData {
  /** The database file the host has already opened and migrated. */
  path: string;
  busyTimeoutMs?: number;
  writer: StoreWriterTuning;
  /** How often the thread reports its counters while they change. */
  statsIntervalMs: number;
}

/**
 * Requests to the writer thread. `ops` is fire-and-forget (one message per event-loop turn, not per
 * op); `flush` and `close` carry a sequence number and are answered by a `done` with the same one.
 * Messages are handled in order, so a flush covers every `ops` message posted before it. A flush or
 * close also carries the ops enqueued since the last post, so the thread queues them and starts the
 * flush in one step, never writing them on its own schedule first.
 */
export type StoreWorkerRequest = { type: 'ops'; ops: StoreOp[] } | { type: 'flush' | 'close'; seq: number; ops: StoreOp[] };

/**
 * Messages from the writer thread. Errors travel as data (`StoreError`), never as cloned Error
 * objects; every `done` carries fresh counters so `stats()` is current after a flush.
 */
export type StoreWorkerMessage =
  | { type: 'done'; seq: number; ok: true; stats: StoreWriterStats }
  /** `pending` is filled only for a failed `close`: the ops it could not write, for the host to dump. */
  | { type: 'done'; seq: number; ok: false; error: StoreError | null; pendingOps: number; pending: StoreOp[]; stats: StoreWriterStats }
  | { type: 'issue'; issue: StoreWriterIssue }
  | { type: 'stats'; stats: StoreWriterStats };

/**
 * What only a threaded writer can go through, on top of `StoreWriterIssue`.
 * - `writer-died`: the thread stopped; `unconfirmedOps` were handed over but not confirmed written
 *   (an upper bound: some may have committed after the thread's last report).
 * - `ops-lost`: ops enqueued after the thread died, which nothing will write (one issue per
 *   event-loop turn, with the counts of that turn).
 */
export type WriterThreadIssue =
  | { type: 'writer-died'; reason: string; unconfirmedOps: number }
  | { type: 'ops-lost'; reason: string; lostByKind: Partial<Record<StoreOpKind, number>>; lostTotal: number };

/** Every issue a threaded writer reports: its thread's writer issues, forwarded, and its own. */
export type WorkerStoreWriterIssue = StoreWriterIssue | WriterThreadIssue;
