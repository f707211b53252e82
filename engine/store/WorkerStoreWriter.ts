import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../util/startModuleWorker';
import { nodeScheduler, type Cancel, type Scheduler } from './scheduler';
import type { StoreSink } from './StoreSink';
import { detachOp, type StoreOp, type StoreOpKind } from './storeOps';
import type { StoreWorkerData, StoreWorkerMessage, StoreWorkerRequest, StoreWriterTuning, WorkerStoreWriterIssue } from './storeWorkerProtocol';
import { StoreWriterError, type StoreWriterStats } from './StoreWriter';

/** Options of a `WorkerStoreWriter`: the thread's writer tuning plus what stays on the host. */
export interface WorkerStoreWriterOptions extends StoreWriterTuning {
  /** The database file; the host must have opened and migrated it already (see `openStore`). */
  path: string;
  /** The thread connection's busy timeout (default 5000 ms, as `openDatabase`). */
  busyTimeoutMs?: number;
  /** When the ops of one event-loop turn are posted (default: after the turn, `setImmediate`). */
  scheduler?: Scheduler;
  /** Ops per message at most; a burst is posted in chunks so the thread starts early. Default 256. */
  maxPostOps?: number;
  /** How often the thread reports its counters while they change. Default 250 ms. */
  statsIntervalMs?: number;
  /** Receives every issue, the thread's included; defaults to `console.error`. */
  onError?: (issue: WorkerStoreWriterIssue) => void;
  /** Stamps `reportedAtMs` in stats. Default `Date.now`. */
  nowMs?: () => number;
}

/**
 * Counters of a threaded writer. The `StoreWriterStats` fields are the thread's last report (at
 * most `statsIntervalMs` old, fresh after each flush), except `closed`, which is the host's.
 */
export interface WorkerStoreWriterStats extends StoreWriterStats {
  /** Accepted here but not yet seen by the thread at its last report; add to `queued` for the backlog. */
  inFlight: number;
  /** Messages that carried ops (ops / posts = the batching achieved). */
  posts: number;
  /** Ops enqueued after the thread died: never written. */
  lost: number;
  lostByKind: Partial<Record<StoreOpKind, number>>;
  /** Ops handed to the thread but not confirmed written when it died (an upper bound). */
  unconfirmedAtDeath: number;
  /** Why the thread stopped, or null while it runs (or after an orderly close). */
  dead: string | null;
  /** When the thread's counters were last received (host clock), null before the first report. */
  reportedAtMs: number | null;
}

type Pending = { resolve: () => void; reject: (e: Error) => void };

const NO_STATS: StoreWriterStats = {
  queued: 0, queuedBounded: 0, maxQueued: 0, enqueued: 0, written: 0, transactions: 0, failedTransactions: 0,
  rejectedOps: 0, droppedOps: 0, droppedByKind: {}, lastError: null, closed: false,
};

/**
 * The engine thread's side of the store writer thread (`storeWorker.ts`). `enqueue` copies the op's
 * typed arrays (as `StoreWriter` does) and appends it to an outbox that is posted once per
 * event-loop turn: one structured clone per batch, not per op. The thread owns a `StoreWriter` on
 * its own connection, so its retry, overflow and backlog policies apply unchanged, and its issues
 * arrive here through `onError`.
 *
 * If the thread dies, every pending flush and close rejects with a `StoreWriterError`
 * (`VIGIL_STORE_THREAD_DEAD`), a `writer-died` issue says how many ops were unconfirmed, and every
 * later enqueue returns false, is counted in `stats().lost` and reported (`ops-lost`): the engine
 * keeps deciding trips, and nobody is told the record is complete when it is not.
 */
export class WorkerStoreWriter implements StoreSink {
  readonly #worker: Worker;
  readonly #scheduler: Scheduler;
  readonly #maxPostOps: number;
  readonly #report: (issue: WorkerStoreWriterIssue) => void;
  readonly #nowMs: () => number;
  readonly #pending = new Map<number, Pending>();
  #seq = 0;
  #outbox: StoreOp[] = [];
  #postTurn: Cancel | null = null;
  #accepted = 0;
  #posts = 0;
  #reported: StoreWriterStats = NO_STATS;
  #reportedAtMs: number | null = null;
  #closing: Promise<void> | null = null;
  #closeSeq = 0;
  /** The thread answered `close` (its connection is closed), so its exit is no death. */
  #closeAnswered = false;
  #terminating = false;
  #dead: string | null = null;
  #unconfirmedAtDeath = 0;
  #lost = 0;
  readonly #lostByKind: Partial<Record<StoreOpKind, number>> = {};
  #lostSinceReport: Partial<Record<StoreOpKind, number>> = {};
  #lostReport: Cancel | null = null;
  #leftover: StoreOp[] = [];

  constructor(options: WorkerStoreWriterOptions) {
    this.#scheduler = options.scheduler ?? nodeScheduler;
    this.#maxPostOps = Math.max(1, options.maxPostOps ?? 256);
    this.#report = options.onError ?? ((issue) => console.error('[vigil/store]', JSON.stringify(issue)));
    this.#nowMs = options.nowMs ?? Date.now;
    const { maxBatchOps, maxBoundedOps, backlogThreshold, retryBaseMs, retryMaxMs, maxRejectedKept } = options;
    const workerData: StoreWorkerData = {
      path: options.path,
      busyTimeoutMs: options.busyTimeoutMs,
      writer: { maxBatchOps, maxBoundedOps, backlogThreshold, retryBaseMs, retryMaxMs, maxRejectedKept },
      statsIntervalMs: options.statsIntervalMs ?? 250,
    };
    this.#worker = startModuleWorker(import.meta.url, 'storeWorker', { workerData });
    this.#worker.on('message', (m: StoreWorkerMessage) => this.#receive(m));
    this.#worker.on('error', (err) => this.#die(`store writer thread failed: ${err.message}`));
    this.#worker.on('exit', (code) =>
      this.#die(this.#terminating ? 'store writer thread terminated by its host' : `store writer thread exited with code ${code}`),
    );
  }

  /**
   * Queues one write for the thread; never blocks on the disk. Returns true once accepted (the
   * thread may still drop a bounded op under overflow: see `droppedOps`), false if the thread is
   * dead (the op is lost, counted and reported). Throws after `close()`, like `StoreWriter`.
   */
  enqueue(op: StoreOp): boolean {
    if (this.#closing) throw new Error(`WorkerStoreWriter is closed: ${op.kind} would never be written`);
    if (this.#dead !== null) {
      this.#lose(op.kind);
      return false;
    }
    this.#outbox.push(detachOp(op));
    this.#accepted++;
    if (this.#outbox.length >= this.#maxPostOps) this.#post();
    else this.#postTurn ??= this.#scheduler.defer(() => this.#post());
    return true;
  }

  /** Resolves when the thread has committed everything enqueued before this call (see `StoreSink`). */
  flush(): Promise<void> {
    if (this.#closing) return this.#closing;
    if (this.#dead !== null) return Promise.reject(this.#deathError());
    return this.#call('flush');
  }

  /**
   * Stops accepting ops, lets the thread write what it holds and close its connection, then ends
   * the thread. If writing fails the promise rejects and `pending()` holds the unwritten ops.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#dead !== null) throw this.#deathError();
      try {
        await this.#call('close');
      } finally {
        if (this.#closeAnswered) await this.#worker.terminate();
      }
    })();
    return this.#closing;
  }

  /** Kills the thread at once, as a crash would: nothing more is written. For emergencies and tests. */
  async terminate(): Promise<void> {
    this.#terminating = true;
    await this.#worker.terminate();
  }

  /** See `WorkerStoreWriterStats`: the thread's last report, possibly `statsIntervalMs` old. */
  stats(): WorkerStoreWriterStats {
    const r = this.#reported;
    const seenByThread = r.enqueued + r.droppedOps;
    return {
      ...r,
      droppedByKind: { ...r.droppedByKind },
      closed: this.#closing !== null,
      inFlight: this.#dead === null ? this.#accepted - seenByThread : 0,
      posts: this.#posts,
      lost: this.#lost,
      lostByKind: { ...this.#lostByKind },
      unconfirmedAtDeath: this.#unconfirmedAtDeath,
      dead: this.#dead,
      reportedAtMs: this.#reportedAtMs,
    };
  }

  /** Ops the thread could not write when `close()` failed, oldest first (empty otherwise). */
  pending(): readonly StoreOp[] {
    return this.#leftover.slice();
  }

  #post(): void {
    if (this.#dead !== null) return;
    const ops = this.#takeOutbox();
    if (ops.length === 0) return;
    this.#posts++;
    try {
      this.#send({ type: 'ops', ops });
    } catch {
      // One op cannot be cloned (a function or class instance slipped in): post one by one, so
      // only the bad ones are rejected, each reported like a permanent write failure.
      for (const op of ops) this.#postAlone(op);
    }
  }

  #takeOutbox(): StoreOp[] {
    this.#postTurn?.();
    this.#postTurn = null;
    const ops = this.#outbox;
    this.#outbox = [];
    return ops;
  }


  #postAlone(op: StoreOp): void {
    try {
      this.#send({ type: 'ops', ops: [op] });
    } catch (err) {
      this.#accepted--;
      const message = err instanceof Error ? err.message : String(err);
      this.#report({ type: 'op-rejected', op, error: { code: 'VIGIL_OP_NOT_CLONEABLE', message, transient: false } });
    }
  }

  #send(request: StoreWorkerRequest): void {
    this.#worker.postMessage(request);
  }

  #call(type: 'flush' | 'close'): Promise<void> {
    const seq = ++this.#seq;
    if (type === 'close') this.#closeSeq = seq;
    const ops = this.#takeOutbox();
    if (ops.length > 0) this.#posts++;
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(seq, { resolve, reject });
      try {
        this.#send({ type, seq, ops });
      } catch {
        for (const op of ops) this.#postAlone(op); // as in #post
        this.#send({ type, seq, ops: [] });
      }
    });
  }

  #receive(m: StoreWorkerMessage): void {
    if (m.type === 'issue') {
      this.#report(m.issue);
      return;
    }
    this.#reported = m.stats;
    this.#reportedAtMs = this.#nowMs();
    if (m.type === 'stats') return;
    const call = this.#pending.get(m.seq);
    this.#pending.delete(m.seq);
    if (m.seq === this.#closeSeq) this.#closeAnswered = true;
    if (m.ok) {
      call?.resolve();
      return;
    }
    if (m.pending.length > 0) this.#leftover = m.pending;
    call?.reject(new StoreWriterError(m.error, m.pendingOps));
  }

  #deathError(): StoreWriterError {
    return new StoreWriterError({ code: 'VIGIL_STORE_THREAD_DEAD', message: this.#dead ?? 'unknown', transient: false }, this.#unconfirmedAtDeath);
  }

  /** The thread stopped (crash, error, terminate). After an orderly close this is just its exit. */
  #die(reason: string): void {
    if (this.#dead !== null || this.#closeAnswered) return;
    this.#dead = reason;
    this.#postTurn?.();
    this.#postTurn = null;
    this.#outbox = [];
    const r = this.#reported;
    this.#unconfirmedAtDeath = Math.max(0, this.#accepted - (r.written + r.rejectedOps + r.droppedOps));
    const error = this.#deathError();
    for (const call of this.#pending.values()) call.reject(error);
    this.#pending.clear();
    this.#report({ type: 'writer-died', reason, unconfirmedOps: this.#unconfirmedAtDeath });
  }

  /** Counts an op enqueued after death; the turn's losses are reported together. */
  #lose(kind: StoreOpKind): void {
    this.#lost++;
    this.#lostByKind[kind] = (this.#lostByKind[kind] ?? 0) + 1;
    this.#lostSinceReport[kind] = (this.#lostSinceReport[kind] ?? 0) + 1;
    if (this.#lostReport) return;
    this.#lostReport = this.#scheduler.defer(() => {
      this.#lostReport = null;
      const lostByKind = this.#lostSinceReport;
      this.#lostSinceReport = {};
      this.#report({ type: 'ops-lost', reason: this.#dead ?? 'unknown', lostByKind, lostTotal: this.#lost });
    });
  }
}
