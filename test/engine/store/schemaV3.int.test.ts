import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditTrail } from '../../../engine/store/AuditTrail';
import { SchemaTooNewError } from '../../../engine/store/migrate';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from '../../../engine/store/migrations';
import { openDatabase } from '../../../engine/store/openDatabase';
import { Repository } from '../../../engine/store/Repository';
import { assetConfig, fakeOnnx, modelInput, tempDirs } from './fixtures';

const tmp = tempDirs();
afterEach(() => tmp.cleanup());

const UP_TO_V2 = MIGRATIONS.slice(0, 2);
const UP_TO_V3 = MIGRATIONS.slice(0, 3);

/** A database file as a v2 build left it, with a row in every v1 and v2 table. */
function writeV2File(path: string): void {
  const { db, migration } = openDatabase(path, { nowMs: () => 1, migrations: UP_TO_V2 });
  try {
    expect(migration.toVersion).toBe(2);
    const repo = new Repository(db);
    repo.upsertAsset(assetConfig('pump-1'), 1000);
    repo.models.saveModelVersion(modelInput('m-1', 1));
    repo.models.recordPromotion({ assetId: 'pump-1', channelId: 'de_accel', fromVersion: null, toVersion: 'm-1', atMs: 1500, kind: 'commissioning', by: 'commissioning' });
    repo.models.insertFeedback({
      assetId: 'pump-1', channelId: 'de_accel', verdict: 'false_alarm', by: 'ana', atMs: 1600, modelVersion: 'm-1', fromMs: 1, toMs: 2,
      vectors: [Float32Array.of(1, 2, 3)],
    });
    db.prepare(`INSERT INTO alarm_events (asset_id, at_ms, from_level, to_level, source, value, setpoint, model_version)
      VALUES ('pump-1', 3000, 'normal', 'alert', 'score', 1.4, 1, 'm-1')`).run();
    db.prepare("INSERT INTO incidents (id, asset_id, opened_ms, model_version) VALUES ('inc-1', 'pump-1', 3000, 'm-1')").run();
    db.prepare(`INSERT INTO trips (asset_id, decided_at_ms, commanded_at_ms, latency_us, source, value, setpoint, model_version, actuator, incident_id)
      VALUES ('pump-1', 3100, 3101, 900, 'velocity', 9.3, 7.1, 'm-1', 'sim', 'inc-1')`).run();
  } finally {
    db.close();
  }
}

/** A row straight into audit_trail, bypassing AuditTrail, as a buggy caller or a sqlite3 shell would. */
const rawAudit = (db: Database.Database, id: number | null, actor = 'ana') =>
  db.prepare(`INSERT INTO audit_trail (id, at_ms, actor, role, action, outcome) VALUES (?, 1, ?, 'admin', 'login', 'done')`).run(id, actor);

describe('schema v3 (users_audit)', () => {
  it('upgrades a v2 file with rows, keeping every row, and records the step once', () => {
    const path = tmp.path();
    writeV2File(path);
    const { db, migration } = openDatabase(path, { nowMs: () => 5, migrations: UP_TO_V3 });
    try {
      expect(migration).toEqual({ fromVersion: 2, toVersion: 3, applied: [{ version: 3, name: 'users_audit' }] });
      const repo = new Repository(db);
      expect(repo.getAsset('pump-1')).toEqual({ config: assetConfig('pump-1'), createdMs: 1000 });
      expect(repo.models.modelVersion('m-1')?.onnx).toEqual(fakeOnnx(1));
      expect(repo.models.productionVersion('pump-1', 'de_accel')).toBe('m-1');
      expect(repo.models.listFeedback('pump-1', 'de_accel').map((f) => [f.by, f.verdict, Array.from(f.vectors[0] ?? [])])).toEqual([
        ['ana', 'false_alarm', [1, 2, 3]],
      ]);
      expect(repo.countAlarmEvents({ assetId: 'pump-1' })).toBe(1);
      expect(repo.listTripsForIncident('inc-1').map((t) => t.decidedAtMs)).toEqual([3100]);
      expect(db.prepare('SELECT count(*) FROM users').pluck().get()).toBe(0);
      expect(db.prepare('SELECT count(*) FROM audit_trail').pluck().get()).toBe(0);
      expect(db.prepare('SELECT version, name, applied_ms FROM schema_migrations ORDER BY version').all()).toEqual([
        { version: 1, name: 'initial', applied_ms: 1 },
        { version: 2, name: 'model_registry', applied_ms: 1 },
        { version: 3, name: 'users_audit', applied_ms: 5 },
      ]);
    } finally {
      db.close();
    }
    const again = openDatabase(path, { nowMs: () => 9, migrations: UP_TO_V3 });
    again.db.close();
    expect(again.migration).toEqual({ fromVersion: 3, toVersion: 3, applied: [] });
  });

  it('keeps the audit trail append-only: UPDATE, DELETE and overwriting inserts abort and change nothing', () => {
    const { db } = openDatabase(tmp.path(), { nowMs: () => 0 });
    try {
      const audit = new AuditTrail(db, { nowMs: () => 100 });
      audit.record({ actor: 'ana', role: 'engineer', action: 'reset', target: 'pump-1', reason: 'bearing replaced', outcome: 'done' });
      audit.record({ actor: 'bob', role: 'viewer', action: 'trip', target: 'pump-1', outcome: 'refused', refusal: 'role viewer may not trip' });
      const before = audit.list({ limit: 10 });
      const attempt = (sql: string) => () => db.prepare(sql).run();

      expect(attempt("UPDATE audit_trail SET outcome = 'done', refusal = NULL WHERE actor = 'bob'")).toThrow(/append-only: rows cannot be updated/);
      expect(attempt("UPDATE audit_trail SET reason = 'tidied' ")).toThrow(/append-only/);
      expect(attempt("DELETE FROM audit_trail WHERE actor = 'bob'")).toThrow(/append-only: rows cannot be deleted/);
      expect(attempt('DELETE FROM audit_trail')).toThrow(/append-only/);
      // REPLACE deletes the old row without firing delete triggers; the insert guard catches it.
      expect(attempt("INSERT OR REPLACE INTO audit_trail (id, at_ms, actor, action, outcome) VALUES (1, 1, 'eve', 'reset', 'done')")).toThrow(
        /append-only: an existing id cannot be written again/,
      );
      expect(
        attempt(`INSERT INTO audit_trail (id, at_ms, actor, action, outcome) VALUES (2, 1, 'eve', 'trip', 'done')
                 ON CONFLICT (id) DO UPDATE SET actor = 'eve'`),
      ).toThrow(/append-only/);
      // A row at id -1 would jam the guard for auto-assigned ids; ids must be positive.
      expect(() => rawAudit(db, -1)).toThrow(/CHECK constraint failed/);
      expect(() => rawAudit(db, 0)).toThrow(/CHECK constraint failed/);

      expect(audit.list({ limit: 10 })).toEqual(before);
      rawAudit(db, null, 'carl'); // plain appends still work
      expect(audit.list({ limit: 10 }).map((r) => [r.id, r.actor])).toEqual([[2, 'bob'], [1, 'ana'], [3, 'carl']]); // newest (at_ms) first
    } finally {
      db.close();
    }
  });

  it('checks outcomes, refusals and JSON of audit rows in SQL', () => {
    const { db } = openDatabase(':memory:', { nowMs: () => 0 });
    try {
      const insert = (cols: string, values: string) => () =>
        db.prepare(`INSERT INTO audit_trail (at_ms, actor, action, ${cols}) VALUES (1, 'ana', 'reset', ${values})`).run();
      expect(insert('outcome', "'maybe'")).toThrow(/CHECK constraint failed/);
      expect(insert('outcome', "'refused'")).toThrow(/CHECK constraint failed/); // refused needs a refusal
      expect(insert('outcome, refusal', "'done', 'x'")).toThrow(/CHECK constraint failed/); // done has none
      expect(insert('outcome, before_json', "'done', '{oops'")).toThrow(/CHECK constraint failed/);
      expect(insert('outcome, after_json', "'done', '[1'")).toThrow(/CHECK constraint failed/);
      expect(insert('outcome, role', "'done', 'root'")).toThrow(/CHECK constraint failed/);
      expect(() => db.prepare("INSERT INTO audit_trail (at_ms, action, outcome) VALUES (1, 'reset', 'done')").run()).toThrow(/NOT NULL/);
      insert('outcome, refusal, before_json, after_json', "'failed', 'actuator timeout', '{\"latched\":true}', 'null'")();
      expect(db.prepare('SELECT count(*) FROM audit_trail').pluck().get()).toBe(1);
    } finally {
      db.close();
    }
  });

  it('checks users in SQL and never deletes or renames one', () => {
    const { db } = openDatabase(':memory:', { nowMs: () => 0 });
    try {
      const user = (name: string, overrides: Record<string, string> = {}) => () => {
        const v = { role: "'admin'", kind: "'password'", hash: 'zeroblob(32)', salt: 'zeroblob(16)', n: '32768', keylen: '32', disabled: '0', ...overrides };
        db.prepare(`INSERT INTO users (user_name, display_name, role, secret_kind, secret_hash, secret_salt, scrypt_n, scrypt_r, scrypt_p,
          scrypt_keylen_bytes, created_ms, created_by, disabled) VALUES ('${name}', 'X', ${v.role}, ${v.kind}, ${v.hash}, ${v.salt}, ${v.n}, 8, 1,
          ${v.keylen}, 1, 'ana', ${v.disabled})`).run();
      };
      expect(user('a', { role: "'root'" })).toThrow(/CHECK constraint failed/);
      expect(user('a', { kind: "'fingerprint'" })).toThrow(/CHECK constraint failed/);
      expect(user('a', { hash: 'zeroblob(31)' })).toThrow(/CHECK constraint failed/);
      expect(user('a', { salt: 'zeroblob(8)' })).toThrow(/CHECK constraint failed/);
      expect(user('a', { n: '30000' })).toThrow(/CHECK constraint failed/); // not a power of two
      expect(user('a', { disabled: '2' })).toThrow(/CHECK constraint failed/);
      user('ana')();
      expect(user('ana')).toThrow(/UNIQUE constraint failed|PRIMARY KEY/);
      expect(() => db.prepare("DELETE FROM users WHERE user_name = 'ana'").run()).toThrow(/never deleted/);
      expect(() => db.prepare("UPDATE users SET user_name = 'anna'").run()).toThrow(/never renamed/);
      db.prepare("UPDATE users SET disabled = 1, role = 'viewer'").run(); // disabling and role changes are allowed
      expect(db.prepare('SELECT user_name, role, disabled FROM users').all()).toEqual([{ user_name: 'ana', role: 'viewer', disabled: 1 }]);
    } finally {
      db.close();
    }
  });

  it('still refuses a database with a newer schema: a v3 file in a v2 build, a file one version newer than this build', () => {
    const v3 = tmp.path();
    openDatabase(v3, { nowMs: () => 0, migrations: UP_TO_V3 }).db.close();
    expect(() => openDatabase(v3, { migrations: UP_TO_V2 })).toThrow(SchemaTooNewError);

    const v5 = tmp.path();
    const future: Migration[] = [...MIGRATIONS, { version: LATEST_SCHEMA_VERSION + 1, name: 'future', up: 'CREATE TABLE future (id INTEGER) STRICT;' }];
    openDatabase(v5, { nowMs: () => 0, migrations: future }).db.close();
    let caught: unknown;
    try {
      openDatabase(v5);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SchemaTooNewError);
    expect({ db: (caught as SchemaTooNewError).databaseVersion, code: (caught as SchemaTooNewError).codeVersion }).toEqual({ db: LATEST_SCHEMA_VERSION + 1, code: LATEST_SCHEMA_VERSION });
    const raw = new Database(v5, { readonly: true });
    try {
      expect(raw.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION + 1); // untouched
    } finally {
      raw.close();
    }
  });
});
