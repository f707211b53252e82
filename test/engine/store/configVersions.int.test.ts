import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalJson, ConfigVersionCorruptError, type ConfigVersionRecord } from '../../../engine/store/ConfigVersions';
import { MIGRATIONS } from '../../../engine/store/migrations';
import { openDatabase } from '../../../engine/store/openDatabase';
import { Repository } from '../../../engine/store/Repository';
import { assetConfig, tempDirs } from './fixtures';

const tmp = tempDirs();
afterEach(() => tmp.cleanup());

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const config = (alert: number) => ({ assetId: 'pump-1', groups: [{ id: 'velocity', alert, danger: 7.1, channels: ['de'] }] });

/** A migrated database with pump-1 and pump-2 stored. */
function open(): { db: Database.Database; repo: Repository } {
  const { db } = openDatabase(tmp.path(), { nowMs: () => 1 });
  const repo = new Repository(db);
  repo.upsertAsset(assetConfig('pump-1'), 1);
  repo.upsertAsset(assetConfig('pump-2'), 1);
  return { db, repo };
}

function appendThree(repo: Repository): ConfigVersionRecord[] {
  return [
    repo.configs.append({ assetId: 'pump-1', config: config(4.5), by: 'system', reason: 'initial configuration', atMs: 1000 }),
    repo.configs.append({ assetId: 'pump-1', config: config(6), by: 'erin', reason: 'fewer nuisance alarms', changeId: 'chg-pump-1-1', parentId: 'cfg-pump-1-1', atMs: 2000 }),
    repo.configs.append({ assetId: 'pump-2', config: { ...config(3), assetId: 'pump-2' }, by: 'system', reason: 'initial configuration', atMs: 3000 }),
  ];
}

describe('config versions (schema v5): numbered per asset, hashed, append-only', () => {
  it('given versions appended for two assets, then each asset counts 1, 2, … under cfg-<asset>-<seq>, with a hash of the canonical JSON, newest first', () => {
    const { db, repo } = open();
    try {
      const [v1, v2, other] = appendThree(repo);
      expect(v2).toEqual({
        id: 'cfg-pump-1-2', assetId: 'pump-1', seq: 2, config: config(6), configHash: sha256(canonicalJson(config(6))),
        createdMs: 2000, createdBy: 'erin', reason: 'fewer nuisance alarms', changeId: 'chg-pump-1-1', parentId: 'cfg-pump-1-1',
      });
      expect([v1!.id, other!.id]).toEqual(['cfg-pump-1-1', 'cfg-pump-2-1']);
      expect(repo.configs.latest('pump-1')).toEqual(v2);
      expect(repo.configs.get('cfg-pump-1-1')).toEqual(v1);
      expect(repo.configs.get('cfg-pump-1-9')).toBeNull();
      expect(repo.configs.latest('pump-3')).toBeNull();
      expect(repo.configs.list('pump-1').map((v) => [v.id, v.createdBy, v.reason, v.corruption])).toEqual([
        ['cfg-pump-1-2', 'erin', 'fewer nuisance alarms', null],
        ['cfg-pump-1-1', 'system', 'initial configuration', null],
      ]);
      expect(repo.configs.list('pump-1', 1)).toHaveLength(1);
      // Stored as canonical JSON: key order of the input does not change the text or the hash.
      expect(db.prepare("SELECT config_json FROM config_versions WHERE id = 'cfg-pump-1-2'").pluck().get()).toBe(canonicalJson(config(6)));
      expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[{"y":2,"z":1}]},"b":1}');
    } finally {
      db.close();
    }
  });

  it('given a stale expected seq or an unknown asset, then nothing is written and the error says why', () => {
    const { db, repo } = open();
    try {
      appendThree(repo);
      expect(() => repo.configs.append({ assetId: 'pump-1', config: config(5), by: 'bob', reason: 'r', expectedSeq: 2 })).toThrow(
        expect.objectContaining({ code: 'VIGIL_CONFIG_VERSION_CONFLICT', message: expect.stringMatching(/expected to store version 2 of pump-1, but the next stored version is 3/) }),
      );
      expect(() => repo.configs.append({ assetId: 'nowhere', config: config(5), by: 'bob', reason: 'r' })).toThrow(/FOREIGN KEY/);
      expect(repo.configs.list('pump-1')).toHaveLength(2);
      expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL restored after each durable commit
    } finally {
      db.close();
    }
  });

  it('given stored versions and change events, then UPDATE, DELETE and id-reusing INSERTs abort', () => {
    const { db, repo } = open();
    try {
      appendThree(repo);
      repo.configs.appendChangeEvent({ assetId: 'pump-1', changeId: 'chg-pump-1-1', event: { type: 'ChangeProposed', atMs: 1500 } });
      expect(() => db.prepare("UPDATE config_versions SET reason = 'x' WHERE id = 'cfg-pump-1-1'").run()).toThrow(/config_versions is append-only: a stored configuration version cannot be updated/);
      expect(() => db.prepare("DELETE FROM config_versions WHERE id = 'cfg-pump-1-2'").run()).toThrow(/cannot be deleted/);
      expect(() => db.prepare(`INSERT OR REPLACE INTO config_versions (id, asset_id, seq, config_json, config_hash, created_ms, created_by, reason)
        SELECT id, asset_id, seq, '{}', config_hash, created_ms, created_by, reason FROM config_versions WHERE id = 'cfg-pump-1-1'`).run()).toThrow(/an existing version id cannot be written again/);
      expect(() => db.prepare("INSERT INTO config_versions (id, asset_id, seq, config_json, config_hash, created_ms, created_by, reason) VALUES ('cfg-pump-1-7', 'pump-1', 3, '{}', ?, 1, 'x', 'y')").run('0'.repeat(64))).toThrow(/CHECK/);
      expect(() => db.prepare('UPDATE config_change_events SET type = ? WHERE id = 1').run('ChangeApplied')).toThrow(/config_change_events is append-only/);
      expect(() => db.prepare('DELETE FROM config_change_events').run()).toThrow(/config_change_events is append-only/);
      expect(repo.configs.list('pump-1').map((v) => v.reason)).toEqual(['fewer nuisance alarms', 'initial configuration']);
    } finally {
      db.close();
    }
  });

  it('given a row edited around the triggers, then get and latest refuse it as corrupt and list flags it', () => {
    const { db, repo } = open();
    try {
      appendThree(repo);
      db.exec('DROP TRIGGER config_versions_no_update');
      db.prepare("UPDATE config_versions SET config_json = ? WHERE id = 'cfg-pump-1-2'").run(JSON.stringify(config(60)));
      const corrupt = /configuration version cfg-pump-1-2 is corrupt: its config_json does not match its config_hash \(stored [0-9a-f]{12}…, computed [0-9a-f]{12}…\); it was changed outside Vigil and will not be used/;
      expect(() => repo.configs.latest('pump-1')).toThrow(corrupt);
      expect(() => repo.configs.get('cfg-pump-1-2')).toThrow(ConfigVersionCorruptError);
      expect(repo.configs.get('cfg-pump-1-1')?.config).toEqual(config(4.5));
      expect(repo.configs.list('pump-1').map((v) => [v.id, v.corruption === null ? 'ok' : v.corruption])).toEqual([
        ['cfg-pump-1-2', expect.stringMatching(/does not match its config_hash/)],
        ['cfg-pump-1-1', 'ok'],
      ]);
    } finally {
      db.close();
    }
  });

  it('given change events of two changes, then they read back whole, oldest first, by asset or by change', () => {
    const { db, repo } = open();
    try {
      const events = [
        { changeId: 'chg-pump-1-1', event: { type: 'ChangeProposed', atMs: 10.5, proposal: { id: 'chg-pump-1-1', config: config(6) } } },
        { changeId: null, event: { type: 'ChangeRefused', atMs: 11, command: 'Propose', by: 'bob', reason: 'proposal chg-pump-1-1 by erin is still pending' } },
        { changeId: 'chg-pump-1-1', event: { type: 'ChangeApproved', atMs: 12, id: 'chg-pump-1-1', by: 'bob' } },
      ];
      const ids = events.map((e) => repo.configs.appendChangeEvent({ assetId: 'pump-1', ...e }));
      repo.configs.appendChangeEvent({ assetId: 'pump-2', changeId: 'chg-pump-2-1', event: { type: 'ChangeProposed', atMs: 13 } });
      expect(repo.configs.changeEvents({ assetId: 'pump-1' })).toEqual(events.map((e, i) => ({ id: ids[i], assetId: 'pump-1', changeId: e.changeId, atMs: e.event.atMs, type: e.event.type, event: e.event })));
      expect(repo.configs.changeEvents({ changeId: 'chg-pump-1-1' }).map((e) => e.type)).toEqual(['ChangeProposed', 'ChangeApproved']);
    } finally {
      db.close();
    }
  });

  it('given a v4 file with an incident, when opened by this build, then v5 is applied and the incident has a NULL config_version', () => {
    const path = tmp.path();
    const v4 = openDatabase(path, { nowMs: () => 1, migrations: MIGRATIONS.slice(0, 4) });
    new Repository(v4.db).upsertAsset(assetConfig('pump-1'), 1);
    v4.db.prepare("INSERT INTO incidents (id, asset_id, opened_ms, model_version) VALUES ('inc-1', 'pump-1', 3000, 'm-1')").run();
    v4.db.close();
    const { db, migration } = openDatabase(path, { nowMs: () => 5 });
    try {
      expect(migration.fromVersion).toBe(4);
      expect(migration.applied[0]).toEqual({ version: 5, name: 'config_versions' });
      expect(db.prepare("SELECT id, config_version FROM incidents").all()).toEqual([{ id: 'inc-1', config_version: null }]);
      expect(new Repository(db).configs.latest('pump-1')).toBeNull();
    } finally {
      db.close();
    }
  });
});
