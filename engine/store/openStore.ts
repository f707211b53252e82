import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { openDatabase } from './openDatabase';
import { Repository } from './Repository';
import { SqliteBackend } from './SqliteBackend';
import type { StoreSink } from './StoreSink';
import type { WorkerStoreWriterIssue } from './storeWorkerProtocol';
import { StoreWriter, type StoreWriterOptions } from './StoreWriter';
import { WorkerStoreWriter, type WorkerStoreWriterOptions } from './WorkerStoreWriter';

/** An open store: the connection, its repository for reads, and the deferred writer the engine feeds. */
export interface Store {
  db: Database.Database;
  repo: Repository;
  writer: StoreSink;
  /** Flushes every queued write, then closes the connection. */
  close(): Promise<void>;
}

/** How `openStore` wires the writer. */
export interface OpenStoreOptions
  extends Omit<StoreWriterOptions, 'backend' | 'onError'>,
    Pick<WorkerStoreWriterOptions, 'maxPostOps' | 'statsIntervalMs'> {
  /**
   * Where batches are committed. `'inline'` (default): on this thread, between event-loop turns.
   * `'worker'`: on a writer thread with its own connection, so a slow disk, a long batch or a WAL
   * checkpoint never blocks this thread. `':memory:'` always runs inline: an in-memory database
   * cannot be shared with another connection.
   */
  thread?: 'inline' | 'worker';
  /** Receives every writer issue (the thread's, and the thread's own death and losses). */
  onError?: (issue: WorkerStoreWriterIssue) => void;
}

/**
 * Opens (creating and migrating) the database at `path` and wires the writer to it, so a host
 * (CLI, service, app worker) gets the whole store in one call and cannot forget the flush on close.
 * With a writer thread, this connection migrates first and the thread is started afterwards, so the
 * two never race a schema change; this connection keeps reads and the synchronous audit rows.
 */
export function openStore(path: string, options: OpenStoreOptions = {}): Store {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const { db } = openDatabase(path);
  const repo = new Repository(db);
  const { thread, maxPostOps, statsIntervalMs, ...writerOptions } = options;
  let writer: StoreSink;
  if (thread === 'worker' && !db.memory) {
    try {
      // The thread commits almost every transaction, so it does the checkpoints: a rare audit
      // commit here must not be the one that pays for copying the whole WAL back.
      db.pragma('wal_autocheckpoint = 0');
      writer = new WorkerStoreWriter({ ...writerOptions, maxPostOps, statsIntervalMs, path: resolve(path) });
    } catch (err) {
      db.close();
      throw err;
    }
  } else {
    writer = new StoreWriter({ ...writerOptions, backend: new SqliteBackend(repo) });
  }
  return {
    db,
    repo,
    writer,
    async close() {
      try {
        await writer.close();
      } finally {
        db.close();
      }
    },
  };
}
