import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations';
import { runMigrations, type MigrationReport } from './migrate';

/** Knobs for `openDatabase`; the defaults are what the engine uses in production. */
export interface OpenDatabaseOptions {
  /**
   * How long a statement waits for another connection's lock before failing with SQLITE_BUSY
   * (which the writer treats as transient and retries). Default 5000 ms.
   */
  busyTimeoutMs?: number;
  /** Clock for the `applied_ms` ledger column; injected so tests are deterministic. */
  nowMs?: () => number;
  /** Overrides the migration list (tests of the migrator itself). */
  migrations?: readonly Migration[];
}

/** An open, migrated database plus what the migrator did. */
export interface OpenedDatabase {
  db: Database.Database;
  migration: MigrationReport;
}

/**
 * Opens (creating if needed) Vigil's SQLite file with the settings the store relies on, then
 * migrates it. WAL lets supervisors and tests read while the writer commits; synchronous=NORMAL in
 * WAL mode never corrupts the file and keeps commits off fsync, at the price that the last
 * transactions before a power cut may be lost (the actuator has already acted by then); foreign
 * keys keep trips tied to incidents and every row tied to a configured asset.
 *
 * `':memory:'` is accepted for unit tests; it has no WAL (journal_mode stays `memory`).
 * Throws `SchemaTooNewError` for a database written by a newer build, `DatabaseUnreadableError`
 * for a file that is not a database or is damaged, and closes the handle on any
 * failure so a refused file is not left locked.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): OpenedDatabase {
  const db = new Database(path);
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    db.pragma('foreign_keys = ON');
    if (!db.memory) {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new Error(`database ${path} could not switch to WAL (journal_mode is ${String(mode)}); is it on a network share?`);
    }
    db.pragma('synchronous = NORMAL');
    const migration = runMigrations(db, options.migrations ?? MIGRATIONS, options.nowMs ?? Date.now);
    return { db, migration };
  } catch (err) {
    db.close();
    const code = (err as { code?: unknown }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') throw new DatabaseUnreadableError(path, String(code), err);
    throw err;
  }
}

/**
 * The file is not an SQLite database or is damaged. Vigil stops rather than start afresh over it:
 * the incident history may be recoverable, and a new file in its place would hide that it is gone.
 */
export class DatabaseUnreadableError extends Error {
  readonly code = 'VIGIL_DATABASE_UNREADABLE';
  constructor(
    readonly path: string,
    readonly sqliteCode: string,
    cause: unknown,
  ) {
    super(
      `database ${path} cannot be read (${sqliteCode}: ${cause instanceof Error ? cause.message : String(cause)}): it is not a Vigil database or it is damaged; ` +
        'Vigil has not changed it. Restore it from a backup, or move it aside to start with an empty one',
      { cause },
    );
    this.name = 'DatabaseUnreadableError';
  }
}
