import type Database from 'better-sqlite3';
import type { Migration } from './migrations';

/**
 * The database was written by a newer Vigil. Opening it would risk writing rows the newer schema
 * does not expect (or reading columns that moved), so we stop with a message an operator can act
 * on instead of corrupting the incident history.
 */
export class SchemaTooNewError extends Error {
  readonly code = 'VIGIL_SCHEMA_TOO_NEW';
  constructor(
    readonly path: string,
    readonly databaseVersion: number,
    readonly codeVersion: number,
  ) {
    super(
      `database ${path} has schema version ${databaseVersion}, but this build of Vigil only knows up to ` +
        `version ${codeVersion}; upgrade Vigil (or open a copy made before the upgrade) instead of downgrading the data`,
    );
    this.name = 'SchemaTooNewError';
  }
}

/**
 * The migration history recorded in the database disagrees with the code (a step was renamed, or
 * two branches each shipped their own "version 2"). Continuing would leave an unknown schema.
 */
export class MigrationMismatchError extends Error {
  readonly code = 'VIGIL_MIGRATION_MISMATCH';
  constructor(message: string) {
    super(message);
    this.name = 'MigrationMismatchError';
  }
}

/** What `runMigrations` did, for the startup log and for tests. */
export interface MigrationReport {
  fromVersion: number;
  toVersion: number;
  applied: { version: number; name: string }[];
}

const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY NOT NULL,
  name       TEXT NOT NULL,
  applied_ms REAL NOT NULL
) STRICT`;

/** Catches a badly edited migration list at startup rather than halfway through an upgrade. */
function assertWellFormed(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new MigrationMismatchError(`migration list must be numbered 1..n without gaps; found ${m.version} at position ${i + 1}`);
    }
  });
}

/**
 * Brings the database up to the newest known schema. Each step runs in its own IMMEDIATE
 * transaction together with its ledger row and `PRAGMA user_version`, so a crash mid-upgrade leaves
 * the database at the previous version, never between two. The version is re-read inside the
 * transaction, so two processes opening the same file at once apply each step exactly once.
 *
 * The ledger table (`schema_migrations`) is the source of truth; `user_version` mirrors it so that
 * plain `sqlite3` tooling can see the version without knowing our tables.
 */
export function runMigrations(
  db: Database.Database,
  migrations: readonly Migration[],
  nowMs: () => number,
): MigrationReport {
  assertWellFormed(migrations);
  const codeVersion = migrations.length;
  db.exec(CREATE_LEDGER);
  const readVersion = (): number => {
    const ledger = db.prepare('SELECT coalesce(max(version), 0) AS v FROM schema_migrations').get() as { v: number };
    const user = db.pragma('user_version', { simple: true }) as number;
    return Math.max(ledger.v, user);
  };
  const recorded = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as {
    version: number;
    name: string;
  }[];
  const fromVersion = readVersion();
  if (fromVersion > codeVersion) throw new SchemaTooNewError(db.name, fromVersion, codeVersion);
  for (const row of recorded) {
    const known = migrations[row.version - 1];
    if (known && known.name !== row.name) {
      throw new MigrationMismatchError(
        `database ${db.name} recorded migration ${row.version} as '${row.name}', but this build calls it '${known.name}'`,
      );
    }
  }

  const insertLedger = db.prepare('INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?, ?, ?)');
  const applied: MigrationReport['applied'] = [];
  for (const m of migrations) {
    const step = db.transaction(() => {
      const current = readVersion();
      if (current >= m.version) return false;
      if (current !== m.version - 1) {
        throw new MigrationMismatchError(`database ${db.name} is at version ${current}; cannot apply migration ${m.version}`);
      }
      db.exec(m.up);
      insertLedger.run(m.version, m.name, nowMs());
      db.pragma(`user_version = ${m.version}`);
      return true;
    });
    if (step.immediate()) applied.push({ version: m.version, name: m.name });
  }
  return { fromVersion, toVersion: readVersion(), applied };
}
