import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from '../../../engine/store/migrations';
import { MigrationMismatchError, SchemaTooNewError } from '../../../engine/store/migrate';
import { DatabaseUnreadableError, openDatabase } from '../../../engine/store/openDatabase';
import { readFileSync, writeFileSync } from 'node:fs';
import { tempDirs } from './fixtures';

const tmp = tempDirs();
afterEach(() => tmp.cleanup());
const clock = () => 1_700_000_000_000;
/** The first version this build does not know, for tests that simulate a newer build. */
const NEXT = LATEST_SCHEMA_VERSION + 1;

function tables(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[]).filter(
    (n) => !n.startsWith('sqlite_'),
  );
}

describe('openDatabase', () => {
  it('applies every migration once, records it, and sets the pragmas the store relies on', () => {
    const path = tmp.path();
    const { db, migration } = openDatabase(path, { nowMs: clock, busyTimeoutMs: 1234 });
    try {
      const all = [
        { version: 1, name: 'initial' },
        { version: 2, name: 'model_registry' },
        { version: 3, name: 'users_audit' },
        { version: 4, name: 'alarm_journal_feature_history' },
        { version: 5, name: 'config_versions' },
        { version: 6, name: 'incident_snapshots' },
        { version: 7, name: 'protection_detail' },
        { version: 8, name: 'remote_grants' },
      ];
      expect(migration).toEqual({ fromVersion: 0, toVersion: LATEST_SCHEMA_VERSION, applied: all });
      expect(LATEST_SCHEMA_VERSION).toBe(8);
      expect(tables(db)).toEqual([
        'alarm_events',
        'alarm_journal',
        'assets',
        'audit_trail',
        'config_change_events',
        'config_versions',
        'feature_history',
        'incident_snapshots',
        'incidents',
        'model_feedback',
        'model_promotions',
        'model_versions',
        'schema_migrations',
        'trips',
        'users',
      ]);
      expect(db.prepare('SELECT version, name, applied_ms FROM schema_migrations').all()).toEqual(
        all.map((m) => ({ ...m, applied_ms: clock() })),
      );
      expect(db.pragma('user_version', { simple: true })).toBe(8);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
    } finally {
      db.close();
    }
  });

  it('is idempotent on reopen: nothing is applied twice and data survives', () => {
    const path = tmp.path();
    const first = openDatabase(path, { nowMs: clock });
    first.db.prepare("INSERT INTO assets VALUES ('a', 'A', '{}', 1)").run();
    first.db.close();

    const second = openDatabase(path, { nowMs: () => 42 });
    try {
      expect(second.migration).toEqual({ fromVersion: LATEST_SCHEMA_VERSION, toVersion: LATEST_SCHEMA_VERSION, applied: [] });
      expect(second.db.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(LATEST_SCHEMA_VERSION);
      expect(second.db.prepare('SELECT asset_id FROM assets').pluck().all()).toEqual(['a']);
    } finally {
      second.db.close();
    }
  });

  it('applies only the new steps when the code knows more migrations than the file', () => {
    const path = tmp.path();
    openDatabase(path, { nowMs: clock }).db.close();
    const extended: Migration[] = [...MIGRATIONS, { version: NEXT, name: 'notes', up: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT) STRICT;' }];
    const { db, migration } = openDatabase(path, { nowMs: () => 7, migrations: extended });
    try {
      expect(migration).toEqual({ fromVersion: LATEST_SCHEMA_VERSION, toVersion: NEXT, applied: [{ version: NEXT, name: 'notes' }] });
      expect(db.pragma('user_version', { simple: true })).toBe(NEXT);
    } finally {
      db.close();
    }
  });

  it('rolls a failing migration back completely, leaving the previous version', () => {
    const path = tmp.path();
    openDatabase(path, { nowMs: clock }).db.close();
    const broken: Migration[] = [
      ...MIGRATIONS,
      { version: NEXT, name: 'broken', up: 'CREATE TABLE half (id INTEGER) STRICT; INSERT INTO no_such_table VALUES (1);' },
    ];
    expect(() => openDatabase(path, { nowMs: clock, migrations: broken })).toThrow(/no_such_table/);
    const raw = new Database(path);
    try {
      expect(raw.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
      expect(raw.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'half'").pluck().get()).toBe(0);
      expect(raw.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(LATEST_SCHEMA_VERSION);
    } finally {
      raw.close();
    }
  });

  it('refuses a database whose schema is newer than the code, with a clear error', () => {
    const path = tmp.path();
    const extended: Migration[] = [...MIGRATIONS, { version: NEXT, name: 'future', up: 'CREATE TABLE future (id INTEGER) STRICT;' }];
    openDatabase(path, { nowMs: clock, migrations: extended }).db.close();

    let caught: unknown;
    try {
      openDatabase(path, { nowMs: clock });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SchemaTooNewError);
    expect((caught as SchemaTooNewError).databaseVersion).toBe(NEXT);
    expect((caught as SchemaTooNewError).codeVersion).toBe(LATEST_SCHEMA_VERSION);
    expect((caught as Error).message).toMatch(new RegExp(`schema version ${NEXT}.*only knows up to version ${LATEST_SCHEMA_VERSION}`));
    // The refused file is not left locked: another connection can write it.
    const raw = new Database(path);
    raw.prepare("INSERT INTO assets VALUES ('b', 'B', '{}', 1)").run();
    raw.close();
  });

  it('refuses a database that only carries a newer user_version (written by a foreign tool)', () => {
    const path = tmp.path();
    const raw = new Database(path);
    raw.pragma('user_version = 9');
    raw.close();
    expect(() => openDatabase(path, { nowMs: clock })).toThrow(SchemaTooNewError);
  });

  it('refuses a history that disagrees with the code (same version, different name)', () => {
    const path = tmp.path();
    const renamed: Migration[] = [{ version: 1, name: 'something_else', up: 'CREATE TABLE x (id INTEGER) STRICT;' }];
    openDatabase(path, { nowMs: clock, migrations: renamed }).db.close();
    expect(() => openDatabase(path, { nowMs: clock })).toThrow(MigrationMismatchError);
  });

  it('rejects a migration list with gaps before touching the file', () => {
    const gap: Migration[] = [...MIGRATIONS, { version: NEXT + 1, name: 'gap', up: 'SELECT 1;' }];
    expect(() => openDatabase(':memory:', { migrations: gap })).toThrow(/without gaps/);
  });

  it("supports ':memory:' for tests", () => {
    const { db, migration } = openDatabase(':memory:', { nowMs: clock });
    try {
      expect(migration.toVersion).toBe(LATEST_SCHEMA_VERSION);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    } finally {
      db.close();
    }
  });

  it('refuses a file that is not a database with a clear error and leaves its bytes as they were', () => {
    const path = tmp.path();
    const garbage = Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919) % 251));
    writeFileSync(path, garbage);
    expect(() => openDatabase(path)).toThrow(DatabaseUnreadableError);
    expect(() => openDatabase(path)).toThrow(/cannot be read \(SQLITE_NOTADB.*not a Vigil database or it is damaged; Vigil has not changed it/);
    expect(readFileSync(path).equals(garbage)).toBe(true);
  });
});
