import type { StoreError } from './result';
import { nodeScheduler, type Cancel, type Scheduler } from './scheduler';
import type { StoreSink } from './StoreSink';
import type { StoreBackend } from './SqliteBackend';
import { detachOp, OP_PRIORITY, type StoreOp, type StoreOpKind } from './storeOps';

/**
 * Something the operator or the engine's status must hear about. Every loss or failure of a write
 * produces one of these (and a counter in `stats()`): nothing disappears quietly.
 */
export type StoreWriterIssue =
  /** A batch transaction failed and was rolled back as a whole; `action` says what happens next. */
  | { type: 'transaction-failed'; error: StoreError; batchOps: number; action: 'retry-later' | 'isolate'; attempt: number }
  /** An op failed on its own (permanently) and was moved to the rejected list. */
  | { type: 'op-rejected'; op: StoreOp; error: StoreError }
  /** Bounded ops are being dropped (`started`), or the queue has room again (`ended`, with the count). */
  | { type: 'overflow'; phase: 'started' | 'ended'; droppedByKind: Partial<Record<StoreOpKind, number>>; droppedTotal: number }
  /** Critical ops are piling up (the disk is slow or failing); they are kept, memory grows. */
  | { type: 'backlog'; phase: 'started' | 'ended'; queued: number; threshold: number };

/** Tuning and wiring for a `StoreWriter`; defaults suit one workstation. */
export interface StoreWriterOptions {
  backend: StoreBackend;
  scheduler?: Scheduler;
  /** Ops per transaction; bounds how long one batch blocks the thread. Default 512. */
  maxBatchOps?: number;
  /** Bounded ops (alarm-level events, feature-history seconds) allowed in the queue before new ones are dropped. Default 10 000. */
  maxBoundedOps?: number;
  /** Queue length at which a `backlog` issue is raised (critical ops are still kept). Default 10 000. */
  backlogThreshold?: number;
  /** First retry delay after a transient failure; doubles per attempt. Default 50 ms. */
  retryBaseMs?: number;
  /** Longest retry delay. Default 5000 ms. */
  retryMaxMs?: number;
  /** How many rejected ops are kept for inspection (all are counted). Default 100. */
  maxRejectedKept?: number;
  /** Receives every issue; defaults to `console.error` so nothing is lost when nobody listens. */
  onError?: (issue: StoreWriterIssue) => void;
}

/** Counters for the engine's status page; a snapshot, safe to serialise. */
export interface StoreWriterStats {
  queued: number;
  queuedBounded: number;
  maxQueued: number;
  enqueued: number;
  written: number;
  transactions: number;
  failedTransactions: number;
  rejectedOps: number;
  droppedOps: number;
  droppedByKind: Partial<Record<StoreOpKind, number>>;
  lastError: StoreError | null;
  closed: boolean;
}

/** `flush()` or `close()` could not write everything; the ops are still queued (see `pending()`). */
export class StoreWriterError extends Error {
  readonly code = 'VIGIL_STORE_WRITE_FAILED';
  constructor(
    readonly storeError: StoreError | null,
    readonly pendingOps: number,
  ) {
    super(`store write failed (${storeError?.code ?? 'unknown'}: ${storeError?.message ?? 'no detail'}); ${pendingOps} ops still pending`);
    this.name = 'StoreWriterError';
  }
}

type StepOutcome = 'idle' | 'progress' | 'blocked';

/**
 * Moves store writes off the engine's hot path. `enqueue` only appends to an in-memory queue; the
 * queue is written in one transaction per batch on a deferred schedule (after the current
 * event-loop turn), on `flush()` and on `close()`. Order is preserved across all op kinds, so a trip
 * is always written after the incident it references.
 *
 * Failure policy:
 * - Transient failure (busy, locked, I/O, disk full): the batch rolled back as a whole; the same ops
 *   stay at the head of the queue and are retried with exponential back-off, indefinitely, each
 *   failure reported and counted.
 * - Permanent failure (constraint, unknown incident, bad data): the batch rolled back; its ops are
 *   then applied one per transaction so the good ones are kept and each bad one is rejected,
 *   reported and kept in `rejected()`. A bad alarm row never costs an incident record.
 *
 * Overflow policy: critical ops (incidents, trips, the model registry, assets, the alarm journal) are never
 * dropped; bounded ops (alarm-level events, feature history) are dropped beyond `maxBoundedOps`, with counts
 * and `overflow` issues. `OP_PRIORITY` says which is which, and why.
 */
export class StoreWriter implements StoreSink {
  readonly #backend: StoreBackend;
  readonly #scheduler: Scheduler;
  readonly #maxBatch: number;
  readonly #maxBounded: number;
  readonly #backlogThreshold: number;
  readonly #retryBaseMs: number;
  readonly #retryMaxMs: number;
  readonly #maxRejectedKept: number;
  readonly #report: (issue: StoreWriterIssue) => void;

  readonly #queue: StoreOp[] = [];
  readonly #rejected: { op: StoreOp; error: StoreError }[] = [];
  #queuedBounded = 0;
  #deferred: Cancel | null = null;
  #retryTimer: Cancel | null = null;
  #attempt = 0;
  #tail: Promise<unknown> = Promise.resolve();
  #overflowing = false;
  #droppedSinceReport: Partial<Record<StoreOpKind, number>> = {};
  #backlogged = false;
  readonly #stats: Omit<StoreWriterStats, 'queued' | 'queuedBounded' | 'droppedByKind'> & {
    droppedByKind: Partial<Record<StoreOpKind, number>>;
  } = {
    maxQueued: 0,
    enqueued: 0,
    written: 0,
    transactions: 0,
    failedTransactions: 0,
    rejectedOps: 0,
    droppedOps: 0,
    droppedByKind: {},
    lastError: null,
    closed: false,
  };

  constructor(options: StoreWriterOptions) {
    this.#backend = options.backend;
    this.#scheduler = options.scheduler ?? nodeScheduler;
    this.#maxBatch = Math.max(1, options.maxBatchOps ?? 512);
    this.#maxBounded = Math.max(0, options.maxBoundedOps ?? 10_000);
    this.#backlogThreshold = Math.max(1, options.backlogThreshold ?? 10_000);
    this.#retryBaseMs = options.retryBaseMs ?? 50;
    this.#retryMaxMs = options.retryMaxMs ?? 5000;
    this.#maxRejectedKept = options.maxRejectedKept ?? 100;
    this.#report = options.onError ?? ((issue) => console.error('[vigil/store]', JSON.stringify(issue)));
  }

  /**
   * Queues one write. Synchronous and cheap: it never touches the disk. Returns false only when a
   * bounded op was dropped because the queue is full (counted and reported). Throws after `close()`,
   * because an op accepted then would never be written.
   */
  enqueue(op: StoreOp): boolean {
    if (this.#stats.closed) throw new Error(`StoreWriter is closed: ${op.kind} would never be written`);
    if (OP_PRIORITY[op.kind] === 'bounded') {
      if (this.#queuedBounded >= this.#maxBounded) {
        this.#drop(op.kind);
        return false;
      }
      this.#queuedBounded++;
    }
    this.#queue.push(detachOp(op));
    this.#stats.enqueued++;
    if (this.#queue.length > this.#stats.maxQueued) this.#stats.maxQueued = this.#queue.length;
    if (!this.#backlogged && this.#queue.length >= this.#backlogThreshold) {
      this.#backlogged = true;
      this.#report({ type: 'backlog', phase: 'started', queued: this.#queue.length, threshold: this.#backlogThreshold });
    }
    this.#scheduleDeferred();
    return true;
  }

  /**
   * Writes everything queued so far (and anything enqueued meanwhile). Resolves when the queue is
   * empty; rejected ops have been reported by then. Rejects with `StoreWriterError` if a transient
   * failure persists; the ops stay queued and the back-off retry continues.
   */
  flush(): Promise<void> {
    return this.#exclusive(async () => {
      // The flush writes everything now; a deferred step queued earlier would only retry a blocked
      // batch at once, ignoring the back-off, so the flush takes its place.
      this.#cancelRetry();
      this.#cancelDeferred();
      while (this.#queue.length > 0) {
        if ((await this.#step()) === 'blocked') throw new StoreWriterError(this.#stats.lastError, this.#queue.length);
      }
    });
  }

  /**
   * Stops accepting ops and writes what is queued. If that fails, the timers are stopped, the ops
   * remain available through `pending()` and the returned promise rejects, so a shutdown can dump
   * them instead of losing them. Does not close the database: its owner does, after this resolves.
   */
  async close(): Promise<void> {
    this.#stats.closed = true;
    this.#cancelDeferred();
    try {
      await this.flush();
    } finally {
      this.#cancelRetry();
      this.#cancelDeferred();
    }
  }

  /** A snapshot of the counters. */
  stats(): StoreWriterStats {
    return {
      ...this.#stats,
      droppedByKind: { ...this.#stats.droppedByKind },
      queued: this.#queue.length,
      queuedBounded: this.#queuedBounded,
    };
  }

  /** Ops not yet written (oldest first), e.g. to dump after a failed `close()`. */
  pending(): readonly StoreOp[] {
    return this.#queue.slice();
  }

  /** The most recent permanently rejected ops with their errors (all are counted in stats). */
  rejected(): readonly { op: StoreOp; error: StoreError }[] {
    return this.#rejected.slice();
  }

  #drop(kind: StoreOpKind): void {
    this.#stats.droppedOps++;
    this.#stats.droppedByKind[kind] = (this.#stats.droppedByKind[kind] ?? 0) + 1;
    this.#droppedSinceReport[kind] = (this.#droppedSinceReport[kind] ?? 0) + 1;
    if (!this.#overflowing) {
      this.#overflowing = true;
      this.#report({ type: 'overflow', phase: 'started', droppedByKind: { [kind]: 1 }, droppedTotal: this.#stats.droppedOps });
    }
  }

  /** Serialises steps: one batch in flight at a time, whoever asked (schedule, flush, retry). */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  #scheduleDeferred(): void {
    if (this.#deferred || this.#retryTimer || this.#queue.length === 0) return;
    this.#deferred = this.#scheduler.defer(() => {
      this.#deferred = null;
      void this.#exclusive(() => this.#step()).then((outcome) => {
        if (outcome === 'progress') this.#scheduleDeferred();
      });
    });
  }

  #cancelDeferred(): void {
    this.#deferred?.();
    this.#deferred = null;
  }

  #cancelRetry(): void {
    this.#retryTimer?.();
    this.#retryTimer = null;
  }

  #armRetry(): void {
    this.#cancelRetry();
    if (this.#stats.closed) return;
    const delayMs = Math.min(this.#retryMaxMs, this.#retryBaseMs * 2 ** Math.max(0, this.#attempt - 1));
    this.#retryTimer = this.#scheduler.after(delayMs, () => {
      this.#retryTimer = null;
      this.#scheduleDeferred();
    });
  }

  async #apply(ops: readonly StoreOp[]): Promise<{ ok: true } | { ok: false; error: StoreError }> {
    try {
      const r = await this.#backend.applyBatch(ops);
      return r.ok ? { ok: true } : r;
    } catch (err) {
      // A backend that rejects (a worker that died) is treated as transient: the ops are kept.
      const message = err instanceof Error ? err.message : String(err);
      return { ok: false, error: { code: 'VIGIL_BACKEND_UNAVAILABLE', message, transient: true } };
    }
  }

  /** Removes written or rejected ops from the head and settles the overflow/backlog episodes. */
  #shift(count: number): void {
    for (const op of this.#queue.splice(0, count)) if (OP_PRIORITY[op.kind] === 'bounded') this.#queuedBounded--;
    if (this.#overflowing && this.#queuedBounded < this.#maxBounded) {
      this.#overflowing = false;
      const dropped = this.#droppedSinceReport;
      this.#droppedSinceReport = {};
      this.#report({ type: 'overflow', phase: 'ended', droppedByKind: dropped, droppedTotal: this.#stats.droppedOps });
    }
    if (this.#backlogged && this.#queue.length < this.#backlogThreshold / 2) {
      this.#backlogged = false;
      this.#report({ type: 'backlog', phase: 'ended', queued: this.#queue.length, threshold: this.#backlogThreshold });
    }
  }

  #failed(error: StoreError, batchOps: number, action: 'retry-later' | 'isolate'): void {
    this.#stats.failedTransactions++;
    this.#stats.lastError = error;
    if (action === 'retry-later') this.#attempt++;
    this.#report({ type: 'transaction-failed', error, batchOps, action, attempt: this.#attempt });
    if (action === 'retry-later') this.#armRetry();
  }

  /** Writes one batch from the head of the queue. */
  async #step(): Promise<StepOutcome> {
    if (this.#queue.length === 0) return 'idle';
    const batch = this.#queue.slice(0, this.#maxBatch);
    const result = await this.#apply(batch);
    if (result.ok) {
      this.#succeeded(batch.length);
      return 'progress';
    }
    if (result.error.transient) {
      this.#failed(result.error, batch.length, 'retry-later');
      return 'blocked';
    }
    this.#failed(result.error, batch.length, 'isolate');
    for (const op of batch) {
      const single = await this.#apply([op]);
      if (single.ok) {
        this.#succeeded(1);
      } else if (single.error.transient) {
        this.#failed(single.error, 1, 'retry-later');
        return 'blocked';
      } else {
        this.#reject(op, single.error);
      }
    }
    return 'progress';
  }

  #succeeded(ops: number): void {
    this.#attempt = 0;
    this.#stats.transactions++;
    this.#stats.written += ops;
    this.#shift(ops);
  }

  #reject(op: StoreOp, error: StoreError): void {
    this.#stats.rejectedOps++;
    this.#stats.lastError = error;
    this.#rejected.push({ op, error });
    if (this.#rejected.length > this.#maxRejectedKept) this.#rejected.shift();
    this.#shift(1);
    this.#report({ type: 'op-rejected', op, error });
  }
}
