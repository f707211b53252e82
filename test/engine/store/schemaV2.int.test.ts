import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../engine/store/migrations';
import { openDatabase } from '../../../engine/store/openDatabase';
import { Repository } from '../../../engine/store/Repository';
import { assetConfig, fakeOnnx, tempDirs } from './fixtures';

/** This file tests the step to v2 itself; later steps have their own files. */
const UP_TO_V2 = MIGRATIONS.slice(0, 2);

const tmp = tempDirs();
afterEach(() => tmp.cleanup());

/**
 * Writes a database file exactly as a v1 build left it: only the first migration, rows inserted
 * with v1's column lists (no Repository, whose statements now name v2 columns).
 */
function writeV1File(path: string): void {
  const { db, migration } = openDatabase(path, { nowMs: () => 1, migrations: MIGRATIONS.slice(0, 1) });
  try {
    expect(migration.toVersion).toBe(1);
    db.prepare('INSERT INTO assets (asset_id, name, config_json, created_ms) VALUES (?, ?, ?, ?)').run(
      'pump-1',
      'Pump pump-1',
      JSON.stringify(assetConfig('pump-1')),
      1000,
    );
    db.prepare(
      `INSERT INTO model_versions (version_id, asset_id, created_ms, onnx, params_json, calibration_json, windows, promoted_by)
       VALUES ('m-v1', 'pump-1', 2000, ?, '{"trees":25}', '{"p999":0.73}', 512, 'commissioning')`,
    ).run(Buffer.from(fakeOnnx(1)));
    db.prepare(
      `INSERT INTO alarm_events (asset_id, at_ms, from_level, to_level, source, value, setpoint, model_version)
       VALUES ('pump-1', 3000, 'normal', 'alert', 'score', 1.4, 1, 'm-v1')`,
    ).run();
    db.prepare("INSERT INTO incidents (id, asset_id, opened_ms, model_version) VALUES ('inc-1', 'pump-1', 3000, 'm-v1')").run();
    db.prepare(
      `INSERT INTO trips (asset_id, decided_at_ms, commanded_at_ms, latency_us, source, value, setpoint, model_version, actuator, incident_id)
       VALUES ('pump-1', 3100, 3101, 900, 'velocity', 9.3, 7.1, 'm-v1', 'sim', 'inc-1')`,
    ).run();
  } finally {
    db.close();
  }
}

describe('schema v2 (model_registry)', () => {
  it('upgrades a v1 file with rows, keeping every row and reading v1 models with null v2 fields', () => {
    const path = tmp.path();
    writeV1File(path);

    const { db, migration } = openDatabase(path, { nowMs: () => 5, migrations: UP_TO_V2 });
    try {
      expect(migration).toEqual({ fromVersion: 1, toVersion: 2, applied: [{ version: 2, name: 'model_registry' }] });
      const repo = new Repository(db);
      expect(repo.getAsset('pump-1')).toEqual({ config: assetConfig('pump-1'), createdMs: 1000 });
      expect(repo.countAlarmEvents({ assetId: 'pump-1' })).toBe(1);
      expect(repo.listIncidents({ limit: 10 }).map((i) => i.id)).toEqual(['inc-1']);
      expect(repo.listTripsForIncident('inc-1').map((t) => t.decidedAtMs)).toEqual([3100]);
      expect(repo.models.modelVersion('m-v1')).toEqual({
        versionId: 'm-v1',
        assetId: 'pump-1',
        createdMs: 2000,
        windows: 512,
        promotedBy: 'commissioning',
        channelId: null,
        parentVersion: null,
        precision: null,
        regime: null,
        validation: null,
        onnxBytes: 300,
        onnx: fakeOnnx(1),
        params: { trees: 25 },
        calibration: { p999: 0.73 },
      });

      // A v1 model has no channel, so it may be put in production on any channel of its asset.
      repo.models.recordPromotion({
        assetId: 'pump-1',
        channelId: 'de_accel',
        fromVersion: null,
        toVersion: 'm-v1',
        atMs: 6000,
        kind: 'commissioning',
        by: 'commissioning',
      });
      expect(repo.models.productionVersion('pump-1', 'de_accel')).toBe('m-v1');
    } finally {
      db.close();
    }
  });

  it('enforces the closed enumerations and the vector size in SQL, whoever writes', () => {
    const { db } = openDatabase(':memory:', { nowMs: () => 0, migrations: UP_TO_V2 });
    try {
      const repo = new Repository(db);
      repo.upsertAsset(assetConfig('pump-1'), 1);
      db.prepare(
        `INSERT INTO model_versions (version_id, asset_id, created_ms, onnx, params_json, calibration_json, windows)
         VALUES ('m-1', 'pump-1', 1, x'00', 'null', 'null', 0)`,
      ).run();
      const attempt = (sql: string) => () => db.prepare(sql).run();
      expect(attempt("UPDATE model_versions SET precision = 'fp16'")).toThrow(/CHECK constraint failed/);
      expect(attempt("UPDATE model_versions SET regime_json = '{lowHz'")).toThrow(/CHECK constraint failed/);
      expect(
        attempt(`INSERT INTO model_promotions (asset_id, channel_id, to_version, at_ms, kind, "by") VALUES ('pump-1', 'c', 'm-1', 1, 'swap', 'x')`),
      ).toThrow(/CHECK constraint failed/);
      expect(
        attempt(`INSERT INTO model_promotions (asset_id, channel_id, to_version, at_ms, kind, "by") VALUES ('pump-1', 'c', 'm-9', 1, 'promotion', 'x')`),
      ).toThrow(/FOREIGN KEY/);
      expect(
        attempt(`INSERT INTO model_feedback (asset_id, channel_id, verdict, "by", at_ms, from_ms, to_ms, vector_length, windows, vectors)
                 VALUES ('pump-1', 'c', 'false_alarm', 'ana', 1, 0, 1, 4, 2, zeroblob(31))`),
      ).toThrow(/CHECK constraint failed/);
      expect(
        attempt(`INSERT INTO model_feedback (asset_id, channel_id, verdict, "by", at_ms, from_ms, to_ms, vector_length, windows, vectors)
                 VALUES ('pump-1', 'c', 'maybe', 'ana', 1, 0, 1, 4, 2, zeroblob(32))`),
      ).toThrow(/CHECK constraint failed/);
      // The same row with a valid verdict and 4 × 2 × 4 bytes is accepted.
      attempt(`INSERT INTO model_feedback (asset_id, channel_id, verdict, "by", at_ms, from_ms, to_ms, vector_length, windows, vectors)
               VALUES ('pump-1', 'c', 'false_alarm', 'ana', 1, 0, 1, 4, 2, zeroblob(32))`)();
      expect(db.prepare('SELECT count(*) FROM model_feedback').pluck().get()).toBe(1);
    } finally {
      db.close();
    }
  });

  it('records the upgrade once in the ledger; reopening the upgraded file applies nothing', () => {
    const path = tmp.path();
    writeV1File(path);
    openDatabase(path, { nowMs: () => 5, migrations: UP_TO_V2 }).db.close();
    const { db, migration } = openDatabase(path, { nowMs: () => 9, migrations: UP_TO_V2 });
    try {
      expect(migration).toEqual({ fromVersion: 2, toVersion: 2, applied: [] });
      const raw = new Database(path, { readonly: true });
      try {
        expect(raw.prepare('SELECT version, name, applied_ms FROM schema_migrations ORDER BY version').all()).toEqual([
          { version: 1, name: 'initial', applied_ms: 1 },
          { version: 2, name: 'model_registry', applied_ms: 5 },
        ]);
      } finally {
        raw.close();
      }
    } finally {
      db.close();
    }
  });
});
