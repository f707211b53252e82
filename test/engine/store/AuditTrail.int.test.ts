import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditTrail } from '../../../engine/store/AuditTrail';
import { openDatabase } from '../../../engine/store/openDatabase';
import { StoreRequestError } from '../../../engine/store/result';
import { tempDirs } from './fixtures';

const tmp = tempDirs();
let db: Database.Database;
let clockMs: number;
let audit: AuditTrail;

beforeEach(() => {
  db = openDatabase(tmp.path(), { nowMs: () => 0 }).db;
  clockMs = 1_000;
  audit = new AuditTrail(db, { nowMs: () => clockMs });
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

const count = () => db.prepare('SELECT count(*) FROM audit_trail').pluck().get();

describe('AuditTrail', () => {
  it('stores every field and reads it back, JSON decoded, newest first', () => {
    const first = audit.record({
      actor: 'erin',
      role: 'engineer',
      action: 'setpoint.change',
      target: 'pump-1',
      before: { velocityMmS: { alert: 4.5, danger: 7.1 } },
      after: { velocityMmS: { alert: 5, danger: 7.1 } },
      reason: 'new baseline after alignment',
      outcome: 'done',
    });
    clockMs = 2_000;
    const second = audit.record({ actor: 'olga', role: 'operator', action: 'reset', target: 'pump-1', outcome: 'refused', refusal: 'role operator may not reset' });
    expect(audit.list({ limit: 10 })).toEqual([
      { id: second, atMs: 2_000, actor: 'olga', role: 'operator', action: 'reset', target: 'pump-1', before: null, after: null, reason: null, outcome: 'refused', refusal: 'role operator may not reset' },
      {
        id: first,
        atMs: 1_000,
        actor: 'erin',
        role: 'engineer',
        action: 'setpoint.change',
        target: 'pump-1',
        before: { velocityMmS: { alert: 4.5, danger: 7.1 } },
        after: { velocityMmS: { alert: 5, danger: 7.1 } },
        reason: 'new baseline after alignment',
        outcome: 'done',
        refusal: null,
      },
    ]);
  });

  it('filters by time range [fromMs, toMs), actor, action, target and outcome, and limits', () => {
    const rows: [number, string, string, string, 'done' | 'refused'][] = [
      [100, 'ana', 'trip', 'pump-1', 'done'],
      [200, 'bob', 'trip', 'pump-2', 'refused'],
      [300, 'ana', 'reset', 'pump-1', 'done'],
      [400, 'ana', 'login', '', 'refused'],
    ];
    for (const [atMs, actor, action, target, outcome] of rows) {
      clockMs = atMs;
      audit.record({ actor, role: null, action, target: target || null, outcome, refusal: outcome === 'refused' ? 'no' : null });
    }
    const at = (q: Parameters<AuditTrail['list']>[0]) => audit.list(q).map((r) => r.atMs);
    expect(at({ limit: 10 })).toEqual([400, 300, 200, 100]);
    expect(at({ fromMs: 200, toMs: 400, limit: 10 })).toEqual([300, 200]);
    expect(at({ actor: 'ana', limit: 10 })).toEqual([400, 300, 100]);
    expect(at({ action: 'trip', limit: 10 })).toEqual([200, 100]);
    expect(at({ target: 'pump-1', limit: 10 })).toEqual([300, 100]);
    expect(at({ outcome: 'refused', limit: 10 })).toEqual([400, 200]);
    expect(at({ actor: 'ana', action: 'trip', target: 'pump-1', limit: 10 })).toEqual([100]);
    expect(at({ limit: 2 })).toEqual([400, 300]);
  });

  it('commits each row at synchronous=FULL, then restores NORMAL for the rest of the store', () => {
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    let duringWrite: unknown;
    audit.record({ actor: 'ana', role: 'admin', action: 'login', outcome: 'done' }, () => {
      duringWrite = db.pragma('synchronous', { simple: true });
    });
    expect(duringWrite).toBe(2); // FULL
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL again
    // Restored even when the write fails.
    expect(() => audit.record({ actor: 'ana', role: 'admin', action: 'reset', outcome: 'refused' })).toThrow(/CHECK constraint failed/);
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
  });

  it('commits a change and its row together, or neither', () => {
    db.prepare('CREATE TABLE notes (body TEXT NOT NULL) STRICT').run();
    const note = (body: string | null) => () => void db.prepare('INSERT INTO notes VALUES (?)').run(body);

    audit.record({ actor: 'ana', role: 'admin', action: 'user.create', outcome: 'done' }, note('kept'));
    expect(() => audit.record({ actor: 'ana', role: 'admin', action: 'user.create', outcome: 'done' }, note(null))).toThrow(/NOT NULL/);
    // The row is refused by its own CHECK: the change made before it rolls back too.
    expect(() => audit.record({ actor: 'ana', role: 'admin', action: 'user.create', outcome: 'done', refusal: 'x' }, note('lost'))).toThrow(
      /CHECK constraint failed/,
    );
    expect(db.prepare('SELECT body FROM notes').pluck().all()).toEqual(['kept']);
    expect(count()).toBe(1);
  });

  it('refuses to write inside a transaction someone else opened', () => {
    let caught: unknown;
    db.transaction(() => {
      try {
        audit.record({ actor: 'ana', role: 'admin', action: 'trip', outcome: 'done' });
      } catch (err) {
        caught = err;
      }
    })();
    expect(caught).toBeInstanceOf(StoreRequestError);
    expect((caught as StoreRequestError).code).toBe('VIGIL_AUDIT_IN_TRANSACTION');
    expect(count()).toBe(0);
  });

  it('survives closing and reopening the file', () => {
    audit.record({ actor: 'ana', role: 'operator', action: 'trip', target: 'pump-1', reason: 'smoke', outcome: 'done' });
    const path = db.name;
    db.close();
    db = openDatabase(path, { nowMs: () => 0 }).db;
    expect(new AuditTrail(db).list({ limit: 5 }).map((r) => [r.actor, r.action, r.target, r.reason])).toEqual([['ana', 'trip', 'pump-1', 'smoke']]);
  });
});
