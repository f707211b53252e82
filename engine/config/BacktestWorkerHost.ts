import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../util/startModuleWorker';
import type { BacktestFailure, BacktestWorkerData, BacktestWorkerReply, BacktestWorkerRequest } from './backtestWorker';
import type { BacktestRequest, BacktestSummary } from './proposalBacktest';

/** Knobs of a `BacktestWorkerHost`. */
export interface BacktestWorkerHostOptions {
  /** The thread connection's busy timeout (default 5000 ms, as `openDatabase`). */
  busyTimeoutMs?: number;
}

/** Why a backtest run by a `BacktestWorkerHost` rejected. */
export type BacktestErrorCode =
  /** The store or the replay threw in the thread: the message is theirs, unchanged (see `thrown`). Or the request could not be cloned to it. */
  | 'VIGIL_BACKTEST_FAILED'
  /** The thread died (crash, out of memory, `terminate()`) while running this backtest. */
  | 'VIGIL_BACKTEST_THREAD_DIED'
  /** The host was disposed before the backtest finished. */
  | 'VIGIL_BACKTEST_DISPOSED';

/** A backtest that did not produce a summary. It says nothing about the proposal: propose again. */
export class BacktestError extends Error {
  readonly code: BacktestErrorCode;
  /** For `VIGIL_BACKTEST_FAILED`: what the thread threw (name, message, `SQLITE_*` / `VIGIL_*` code). */
  readonly thrown: BacktestFailure | null;
  constructor(code: BacktestErrorCode, message: string, thrown: BacktestFailure | null = null) {
    super(message);
    this.name = 'BacktestError';
    this.code = code;
    this.thrown = thrown;
  }
}

type Job = { request: BacktestRequest; resolve: (summary: BacktestSummary) => void; reject: (err: Error) => void };

const failureOf = (err: unknown): BacktestFailure =>
  err instanceof Error ? { name: err.name, message: err.message, code: null } : { name: 'Error', message: String(err), code: null };
const subject = (r: BacktestRequest): string => `backtest of ${r.assetId} over [${r.fromMs}, ${r.toMs})`;

/**
 * Runs `ConfigService`'s backtests on a thread of their own (`backtestWorker.ts`, a read-only
 * connection to the same file), because `backtestFromStore` is synchronous and takes seconds per
 * channel-month, and the engine thread decides trips. Pass `host.run` as the service's `backtest`.
 *
 * One backtest runs at a time (they compete for the same cores anyway); the others wait in order.
 * The thread starts with the first run and stays for the next; it does not keep the process alive
 * while idle. If it dies (a crash, out of memory, `terminate()`), the run it held rejects with a
 * `BacktestError` saying so, and the next run, queued or later, starts a new thread: a backtest is
 * not worth losing the service over, and nothing is lost with it (it only reads).
 */
export class BacktestWorkerHost {
  readonly #data: BacktestWorkerData;
  readonly #queue: Job[] = [];
  #worker: Worker | null = null;
  #running: { seq: number; job: Job } | null = null;
  #seq = 0;
  #threadsStarted = 0;
  #disposed: Promise<void> | null = null;

  /** The database file must exist and be migrated (the engine's `openStore` did both). */
  constructor(path: string, options: BacktestWorkerHostOptions = {}) {
    this.#data = { path, ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }) };
  }

  /** A `BacktestRunner`, bound: queues the request and resolves with the thread's summary. */
  readonly run = (request: BacktestRequest): Promise<BacktestSummary> => {
    if (this.#disposed) return Promise.reject(new BacktestError('VIGIL_BACKTEST_DISPOSED', `${subject(request)} refused: the backtest host is disposed`));
    return new Promise<BacktestSummary>((resolve, reject) => {
      this.#queue.push({ request, resolve, reject });
      this.#pump();
    });
  };

  /** Threads started so far: more than one means a thread died and was replaced. */
  get threadsStarted(): number {
    return this.#threadsStarted;
  }

  /**
   * Kills the thread at once, as a crash would: the running backtest rejects, queued ones go on
   * in a new thread. For a backtest that runs too long, and for tests.
   */
  async terminate(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    this.#lost(worker, 'backtest thread terminated by its host');
    await worker.terminate();
  }

  /** Rejects every queued and running backtest and ends the thread. */
  dispose(): Promise<void> {
    this.#disposed ??= (async () => {
      const running = this.#running;
      this.#running = null;
      running?.job.reject(new BacktestError('VIGIL_BACKTEST_DISPOSED', `${subject(running.job.request)} did not finish: the backtest host was disposed`));
      for (const job of this.#queue.splice(0)) {
        job.reject(new BacktestError('VIGIL_BACKTEST_DISPOSED', `${subject(job.request)} was not run: the backtest host was disposed`));
      }
      const worker = this.#worker;
      this.#worker = null;
      await worker?.terminate();
    })();
    return this.#disposed;
  }

  /** Sends the next queued backtest, if the thread is free. */
  #pump(): void {
    if (this.#running || this.#disposed) return;
    const job = this.#queue.shift();
    if (!job) {
      this.#worker?.unref();
      return;
    }
    let worker: Worker;
    try {
      worker = this.#worker ?? this.#start();
    } catch (err) {
      job.reject(new BacktestError('VIGIL_BACKTEST_THREAD_DIED', `${subject(job.request)} could not start the backtest thread: ${failureOf(err).message}`));
      this.#pump();
      return;
    }
    const seq = ++this.#seq;
    this.#running = { seq, job };
    worker.ref();
    try {
      worker.postMessage({ seq, request: job.request } satisfies BacktestWorkerRequest);
    } catch (err) {
      // Not structured-clone safe (a function inside it): this request fails, the thread is fine.
      this.#running = null;
      const thrown = failureOf(err);
      job.reject(new BacktestError('VIGIL_BACKTEST_FAILED', `${subject(job.request)} cannot be sent to the backtest thread: ${thrown.message}`, thrown));
      this.#pump();
    }
  }

  #start(): Worker {
    const worker = startModuleWorker(import.meta.url, 'backtestWorker', { workerData: this.#data });
    this.#threadsStarted++;
    let failure: string | null = null;
    worker.on('message', (reply: BacktestWorkerReply) => this.#answer(worker, reply));
    // 'error' (an uncaught exception, out of memory) is always followed by 'exit'; the job is settled there.
    worker.on('error', (err) => (failure ??= `backtest thread failed: ${err.message}`));
    worker.on('exit', (code) => this.#lost(worker, failure ?? `backtest thread exited with code ${code}`));
    this.#worker = worker;
    return worker;
  }

  #answer(worker: Worker, reply: BacktestWorkerReply): void {
    const running = this.#running;
    if (worker !== this.#worker || running?.seq !== reply.seq) return; // a thread already given up on
    this.#running = null;
    if (reply.ok) running.job.resolve(reply.value);
    else running.job.reject(new BacktestError('VIGIL_BACKTEST_FAILED', reply.error.message, reply.error));
    this.#pump();
  }

  /** `worker` stopped or was given up on: the run it held fails, and the queue goes on in a new thread. */
  #lost(worker: Worker, reason: string): void {
    if (worker !== this.#worker) return;
    this.#worker = null;
    const running = this.#running;
    this.#running = null;
    running?.job.reject(new BacktestError('VIGIL_BACKTEST_THREAD_DIED', `${subject(running.job.request)} did not finish: ${reason}; the next backtest starts a new thread`));
    this.#pump();
  }
}
