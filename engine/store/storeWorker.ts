import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './openDatabase';
import { Repository } from './Repository';
import type { StoreError } from './result';
import { SqliteBackend, type StoreBackend } from './SqliteBackend';
import type { StoreWorkerData, StoreWorkerMessage, StoreWorkerRequest } from './storeWorkerProtocol';
import { StoreWriter, StoreWriterError } from './StoreWriter';

/**
 * The store's writer thread: its own connection to the database file and a `StoreWriter` over it,
 * so batch transactions, busy waits and WAL checkpoints block this thread, never the engine's.
 * The host has opened and migrated the file before starting us; `openDatabase` here only verifies
 * the migration ledger (each step is a no-op), so the two connections never race a schema change.
 */
const port = parentPort;
if (!port) throw new Error('storeWorker must run in a worker thread');
const data = workerData as StoreWorkerData;
const post = (message: StoreWorkerMessage): void => port.postMessage(message);

const { db } = openDatabase(data.path, { busyTimeoutMs: data.busyTimeoutMs });
const sqlite = new SqliteBackend(new Repository(db));
/**
 * Yields one event-loop turn after each batch. `SqliteBackend` resolves at once, so a flush of a
 * long backlog would otherwise run every batch in one turn: no host message (new ops, a flush) and
 * no counter report would be handled here until the whole backlog was written.
 */
const backend: StoreBackend = {
  async applyBatch(ops) {
    const result = sqlite.applyBatchSync(ops);
    await new Promise((resolve) => setImmediate(resolve));
    return result;
  },
};
const writer = new StoreWriter({ ...data.writer, backend, onError: (issue) => post({ type: 'issue', issue }) });

/** Counters are pushed while they change, so the host's `stats()` is at most one interval old. */
let lastReported = '';
const statsTimer = setInterval(() => {
  const stats = writer.stats();
  const key = `${stats.enqueued}/${stats.written}/${stats.queued}/${stats.droppedOps}/${stats.rejectedOps}/${stats.failedTransactions}`;
  if (key === lastReported) return;
  lastReported = key;
  post({ type: 'stats', stats });
}, data.statsIntervalMs);

port.on('message', (req: StoreWorkerRequest) => {
  switch (req.type) {
    case 'ops':
      for (const op of req.ops) writer.enqueue(op);
      return;
    case 'flush':
      for (const op of req.ops) writer.enqueue(op);
      void settle(req.seq, writer.flush(), false);
      return;
    case 'close':
      for (const op of req.ops) writer.enqueue(op);
      void settle(req.seq, writer.close(), true).finally(() => {
        clearInterval(statsTimer);
        port.close();
      });
      return;
  }
});

/** Answers a flush or close; after `close` the connection is closed before the answer goes out. */
async function settle(seq: number, work: Promise<void>, closing: boolean): Promise<void> {
  let failure: { error: StoreError | null; pendingOps: number } | null = null;
  try {
    await work;
  } catch (err) {
    failure =
      err instanceof StoreWriterError
        ? { error: err.storeError, pendingOps: err.pendingOps }
        : { error: { code: 'VIGIL_UNEXPECTED', message: err instanceof Error ? err.message : String(err), transient: false }, pendingOps: writer.stats().queued };
  }
  const stats = writer.stats();
  const pending = closing && failure ? [...writer.pending()] : [];
  if (closing) db.close();
  post(failure ? { type: 'done', seq, ok: false, ...failure, pending, stats } : { type: 'done', seq, ok: true, stats });
}
