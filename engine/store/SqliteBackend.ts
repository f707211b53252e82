import type { Repository } from './Repository';
import { toStoreError, type Result, type StoreError } from './result';
import { applyOp, type StoreOp } from './storeOps';

/** What a successful batch reports. */
export interface BatchApplied {
  ops: number;
}

/**
 * Where the writer sends batches. The interface is asynchronous and speaks only plain data, so the
 * in-process implementation below can be replaced by one that posts the batch to a worker thread
 * (Signal Desktop style: request union in, `{ok, value | error}` out) without touching the writer.
 */
export interface StoreBackend {
  /** Applies all ops in one transaction: all of them are committed, or none. Never rejects. */
  applyBatch(ops: readonly StoreOp[]): Promise<Result<BatchApplied, StoreError>>;
}

/**
 * The in-process backend: one IMMEDIATE transaction per batch on the repository's connection.
 * better-sqlite3 is synchronous, so a batch blocks this thread for its duration; the writer keeps
 * batches short (`maxBatchOps`) and runs them between event-loop turns, never inside frame handling.
 */
export class SqliteBackend implements StoreBackend {
  readonly #repo: Repository;

  constructor(repo: Repository) {
    this.#repo = repo;
  }

  /** Synchronous form, for callers already off the hot path (CLI import, tests). */
  applyBatchSync(ops: readonly StoreOp[]): Result<BatchApplied, StoreError> {
    let index = -1;
    try {
      this.#repo.transaction(() => {
        for (index = 0; index < ops.length; index++) applyOp(this.#repo, ops[index] as StoreOp);
      });
      return { ok: true, value: { ops: ops.length } };
    } catch (err) {
      // index is the op that threw; -1 (or ops.length) means BEGIN/COMMIT itself failed.
      return { ok: false, error: toStoreError(err, index >= 0 && index < ops.length ? index : undefined) };
    }
  }

  /** See `StoreBackend.applyBatch`. */
  applyBatch(ops: readonly StoreOp[]): Promise<Result<BatchApplied, StoreError>> {
    return Promise.resolve(this.applyBatchSync(ops));
  }
}
