import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditTrail } from '../../../engine/store/AuditTrail';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../../engine/store/migrations';
import { openDatabase } from '../../../engine/store/openDatabase';
import { Repository } from '../../../engine/store/Repository';
import { assetConfig, fakeOnnx, journalEvents, modelInput, tempDirs } from './fixtures';

const tmp = tempDirs();
afterEach(() => tmp.cleanup());

const UP_TO_V3 = MIGRATIONS.slice(0, 3);
const TABLES = ['assets', 'model_versions', 'model_promotions', 'model_feedback', 'alarm_events', 'incidents', 'trips', 'users', 'audit_trail'];

const count = (db: Database.Database, table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

/** A database file as a v3 build left it, with a row in every v1, v2 and v3 table. */
function writeV3File(path: string): void {
  const { db, migration } = openDatabase(path, { nowMs: () => 1, migrations: UP_TO_V3 });
  try {
    expect(migration.toVersion).toBe(3);
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
    db.prepare(`INSERT INTO users (user_name, display_name, role, secret_kind, secret_hash, secret_salt, scrypt_n, scrypt_r, scrypt_p,
      scrypt_keylen_bytes, created_ms, created_by) VALUES ('ana', 'Ana', 'admin', 'password', zeroblob(32), zeroblob(16), 32768, 8, 1, 32, 1, 'setup')`).run();
    new AuditTrail(db, { nowMs: () => 4000 }).record({ actor: 'ana', role: 'admin', action: 'login', outcome: 'done' });
  } finally {
    db.close();
  }
}

describe('schema v4 (alarm_journal_feature_history)', () => {
  it('upgrades a v3 file with rows, keeping every row, and records the step once', () => {
    const path = tmp.path();
    writeV3File(path);
    const { db, migration } = openDatabase(path, { nowMs: () => 5 });
    try {
      // Later steps (5, 6, …) follow in the same open; this test is about step 4 keeping every row.
      expect(migration).toMatchObject({ fromVersion: 3, toVersion: LATEST_SCHEMA_VERSION });
      expect(migration.applied[0]).toEqual({ version: 4, name: 'alarm_journal_feature_history' });
      expect(Object.fromEntries(TABLES.map((t) => [t, count(db, t)]))).toEqual(Object.fromEntries(TABLES.map((t) => [t, 1])));
      const repo = new Repository(db);
      expect(repo.getAsset('pump-1')).toEqual({ config: assetConfig('pump-1'), createdMs: 1000 });
      expect(repo.models.modelVersion('m-1')?.onnx).toEqual(fakeOnnx(1));
      expect(new AuditTrail(db).list({ limit: 5 }).map((r) => [r.actor, r.action, r.atMs])).toEqual([['ana', 'login', 4000]]);
      expect([count(db, 'alarm_journal'), count(db, 'feature_history')]).toEqual([0, 0]);
      expect(db.prepare('SELECT version, name, applied_ms FROM schema_migrations ORDER BY version').all()).toEqual([
        { version: 1, name: 'initial', applied_ms: 1 },
        { version: 2, name: 'model_registry', applied_ms: 1 },
        { version: 3, name: 'users_audit', applied_ms: 1 },
        { version: 4, name: 'alarm_journal_feature_history', applied_ms: 5 },
        ...MIGRATIONS.filter((m) => m.version > 4).map((m) => ({ version: m.version, name: m.name, applied_ms: 5 })),
      ]);
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
      // The new tables work on the upgraded file.
      repo.journal.append(journalEvents(5000)[0]!);
      repo.history.append([{ assetId: 'pump-1', channelId: 'de_accel', tS: 5, score: 0.5, velocityMmS: null }]);
      expect([count(db, 'alarm_journal'), count(db, 'feature_history')]).toEqual([1, 1]);
    } finally {
      db.close();
    }
    const again = openDatabase(path, { nowMs: () => 9 });
    again.db.close();
    expect(again.migration).toEqual({ fromVersion: LATEST_SCHEMA_VERSION, toVersion: LATEST_SCHEMA_VERSION, applied: [] });
  });

  it('keeps the alarm journal append-only: UPDATE, DELETE and overwriting inserts abort and change nothing', () => {
    const { db } = openDatabase(tmp.path(), { nowMs: () => 0 });
    try {
      const repo = new Repository(db);
      repo.upsertAsset(assetConfig('pump-1'), 0);
      journalEvents(10_000).forEach((e) => repo.journal.append(e));
      const snapshot = () => db.prepare('SELECT * FROM alarm_journal ORDER BY id').all();
      const before = snapshot();
      const attempt = (sql: string) => () => db.prepare(sql).run();

      expect(attempt("UPDATE alarm_journal SET actor = 'nobody' WHERE actor = 'op-ana'")).toThrow(/alarm_journal is append-only: rows cannot be updated/);
      expect(attempt("UPDATE alarm_journal SET priority = 'low'")).toThrow(/append-only/);
      expect(attempt('DELETE FROM alarm_journal WHERE id = 1')).toThrow(/alarm_journal is append-only: rows cannot be deleted/);
      expect(attempt('DELETE FROM alarm_journal')).toThrow(/append-only/);
      const row1 = db.prepare('SELECT at_ms, asset_id, alarm_key, priority, type, state_after, event_json FROM alarm_journal WHERE id = 1').get() as Record<string, unknown>;
      expect(() =>
        db.prepare(`INSERT OR REPLACE INTO alarm_journal (id, at_ms, asset_id, alarm_key, priority, type, state_after, event_json)
          VALUES (1, @at_ms, @asset_id, @alarm_key, @priority, @type, @state_after, @event_json)`).run(row1),
      ).toThrow(/alarm_journal is append-only: an existing id cannot be written again/);
      expect(() =>
        db.prepare(`INSERT INTO alarm_journal (id, at_ms, asset_id, alarm_key, priority, type, state_after, event_json)
          VALUES (-1, @at_ms, @asset_id, @alarm_key, @priority, @type, @state_after, @event_json)`).run(row1),
      ).toThrow(/CHECK constraint failed/);

      expect(snapshot()).toEqual(before);
      expect(repo.journal.append(journalEvents(20_000)[0]!)).toBe(before.length + 1); // appends still work
    } finally {
      db.close();
    }
  });

  it('checks journal rows in SQL: priority, JSON, columns agreeing with the JSON, known asset', () => {
    const { db } = openDatabase(':memory:', { nowMs: () => 0 });
    try {
      new Repository(db).upsertAsset(assetConfig('pump-1'), 0);
      const event = { atMs: 7, assetId: 'pump-1', alarmKey: 'k', priority: 'high', type: 'AlarmCleared', stateAfter: 'normal' };
      const insert = (overrides: Record<string, unknown> = {}, json: unknown = event) => () =>
        db.prepare(`INSERT INTO alarm_journal (at_ms, asset_id, alarm_key, priority, type, state_after, actor, event_json)
          VALUES (@at_ms, @asset_id, @alarm_key, @priority, @type, @state_after, @actor, @event_json)`).run({
          at_ms: 7, asset_id: 'pump-1', alarm_key: 'k', priority: 'high', type: 'AlarmCleared', state_after: 'normal', actor: null,
          event_json: typeof json === 'string' ? json : JSON.stringify(json), ...overrides,
        });
      expect(insert({ priority: 'urgent' }, { ...event, priority: 'urgent' })).toThrow(/CHECK constraint failed/);
      expect(insert({}, '{oops')).toThrow(/CHECK constraint failed/);
      expect(insert({ type: 'AlarmActivated' })).toThrow(/CHECK constraint failed/); // column disagrees with JSON
      expect(insert({ at_ms: 8 })).toThrow(/CHECK constraint failed/);
      expect(insert({ state_after: 'shelved' })).toThrow(/CHECK constraint failed/);
      expect(insert({ alarm_key: 'other' })).toThrow(/CHECK constraint failed/);
      expect(insert({ asset_id: 'pump-9' }, { ...event, assetId: 'pump-9' })).toThrow(/FOREIGN KEY constraint failed/);
      insert()();
      insert({ actor: 'op-ana', state_after: 'future-isa-state' }, { ...event, stateAfter: 'future-isa-state' })(); // states are open
      expect(count(db, 'alarm_journal')).toBe(2);
    } finally {
      db.close();
    }
  });

  it('keys feature_history by (asset, channel, integer second), WITHOUT ROWID, for known assets only', () => {
    const { db } = openDatabase(':memory:', { nowMs: () => 0 });
    try {
      new Repository(db).upsertAsset(assetConfig('pump-1'), 0);
      const insert = (assetId: string, tS: unknown, score: unknown = 1) => () =>
        db.prepare('INSERT INTO feature_history (asset_id, channel_id, t_s, score, velocity_mm_s) VALUES (?, ?, ?, ?, NULL)').run(assetId, 'de_accel', tS, score);
      insert('pump-1', 10)();
      expect(insert('pump-1', 10)).toThrow(/UNIQUE constraint failed|PRIMARY KEY/);
      expect(insert('pump-1', 10.5)).toThrow(/cannot store REAL value in INTEGER column/);
      expect(insert('pump-1', 11, 'high')).toThrow(/cannot store TEXT value in REAL column/);
      expect(insert('pump-9', 12)).toThrow(/FOREIGN KEY constraint failed/);
      expect(insert('pump-1', null)).toThrow(/NOT NULL/);
      const sql = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'feature_history'").pluck().get() as string;
      expect(sql).toMatch(/STRICT, WITHOUT ROWID\s*$/);
    } finally {
      db.close();
    }
  });
});
