import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { Repository } from '../store/Repository';
import { runAsBackground } from '../util/backgroundThread';
import { backtestFromStore, type BacktestRequest, type BacktestSummary } from './proposalBacktest';

/** `workerData` of the backtest thread. */
export interface BacktestWorkerData {
  /** The database file; the engine has opened and migrated it already (this thread never migrates). */
  path: string;
  /** How long a read waits for a lock (WAL recovery, a checkpoint that truncates). Default 5000 ms. */
  busyTimeoutMs?: number;
}

/** One backtest to run; answered by the reply with the same `seq`. */
export interface BacktestWorkerRequest {
  seq: number;
  request: BacktestRequest;
}

/** Why a backtest failed, as data: the thrown error's name, message and code (`SQLITE_*`, `VIGIL_*`) if it had one. */
export interface BacktestFailure {
  name: string;
  message: string;
  code: string | null;
}

/** Replies carry the request's sequence number; errors travel as data, never as cloned Error objects. */
export type BacktestWorkerReply = { seq: number; ok: true; value: BacktestSummary } | { seq: number; ok: false; error: BacktestFailure };

/**
 * The backtest thread: `backtestFromStore` on its own read-only connection, so loading a month of
 * history and replaying it (seconds of CPU) never delays a trip decision on the engine thread.
 * Read-only because this thread must never write or migrate: the engine's connection owns the
 * schema, and in WAL mode a reader sees every committed transaction without blocking the writer.
 * `Repository` prepares its write statements on this connection too; SQLite refuses them only if
 * run, and nothing here runs them.
 *
 * The connection is opened at the first request, not at startup, so a file that cannot be opened
 * fails that request with SQLite's message (and the next request tries again) instead of killing
 * the thread. Every failure of a request is answered as data; the thread only dies if V8 does.
 */
const port = parentPort;
if (!port) throw new Error('backtestWorker must run in a worker thread');
const data = workerData as BacktestWorkerData;
// A backtest is background work: under load the trip path, the host and the operator's page go first.
runAsBackground();
let repo: Repository | null = null;

function repository(): Repository {
  if (repo) return repo;
  const db = new Database(data.path, { readonly: true, fileMustExist: true, timeout: Math.max(0, Math.floor(data.busyTimeoutMs ?? 5000)) });
  try {
    repo = new Repository(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return repo;
}

function failure(err: unknown): BacktestFailure {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), code: null };
  const code = (err as { code?: unknown }).code;
  return { name: err.name, message: err.message, code: typeof code === 'string' ? code : null };
}

port.on('message', ({ seq, request }: BacktestWorkerRequest) => {
  let reply: BacktestWorkerReply;
  try {
    reply = { seq, ok: true, value: backtestFromStore(repository(), request) };
  } catch (err) {
    reply = { seq, ok: false, error: failure(err) };
  }
  try {
    port.postMessage(reply);
  } catch (err) {
    // A summary that cannot be cloned is a bug in the summary; the request still gets an answer.
    port.postMessage({ seq, ok: false, error: failure(err) } satisfies BacktestWorkerReply);
  }
});
