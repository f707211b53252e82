import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { openDatabase } from './openDatabase';
import { Repository } from './Repository';
import { SqliteBackend } from './SqliteBackend';
import { StoreWriter, type StoreWriterOptions } from './StoreWriter';

/** An open store: the connection, its repository for reads, and the deferred writer the engine feeds. */
export interface Store {
  db: Database.Database;
  repo: Repository;
  writer: StoreWriter;
  /** Flushes every queued write, then closes the connection. */
  close(): Promise<void>;
}

/**
 * Opens (creating and migrating) the database at `path` and wires the writer to it, so a host
 * (CLI, service, app worker) gets the whole store in one call and cannot forget the flush on close.
 */
export function openStore(path: string, options: Omit<StoreWriterOptions, 'backend'> = {}): Store {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const { db } = openDatabase(path);
  const repo = new Repository(db);
  const writer = new StoreWriter({ ...options, backend: new SqliteBackend(repo) });
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
