import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlarmEvent } from '../../../engine/alarm/alarmTypes';
import { openDatabase } from '../../../engine/store/openDatabase';
import { Repository } from '../../../engine/store/Repository';
import { StoreRequestError } from '../../../engine/store/result';
import { SqliteBackend } from '../../../engine/store/SqliteBackend';
import { OP_PRIORITY, type StoreOp } from '../../../engine/store/storeOps';
import { StoreWriter, type StoreWriterIssue } from '../../../engine/store/StoreWriter';
import { assetConfig, journalEvents, tempDirs } from './fixtures';

const tmp = tempDirs();
let db: Database.Database;
let repo: Repository;

beforeEach(() => {
  db = openDatabase(tmp.path(), { nowMs: () => 0 }).db;
  repo = new Repository(db);
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

/** A writer on this database whose deferred schedule never fires: only `flush()` writes. */
function writer(options: { maxBoundedOps?: number } = {}) {
  const issues: StoreWriterIssue[] = [];
  const w = new StoreWriter({
    backend: new SqliteBackend(repo),
    scheduler: { defer: () => () => undefined, after: () => () => undefined },
    onError: (i) => issues.push(i),
    ...options,
  });
  return { w, issues };
}

describe('AlarmJournal', () => {
  it('round-trips every kind of event through the writer op, newest first, exactly as appended', async () => {
    const events = journalEvents(1_700_000_000_000);
    const { w, issues } = writer();
    w.enqueue({ kind: 'upsertAsset', config: assetConfig('pump-1'), atMs: 1 });
    for (const event of events) w.enqueue({ kind: 'appendAlarmJournal', event });
    await w.flush();

    expect(issues).toEqual([]);
    expect(repo.journal.list({ limit: 100 })).toEqual([...events].reverse());
    // The filter columns are copies of the event, `actor` is its `by` (null for process events).
    expect(db.prepare('SELECT id, type, priority, state_after, actor FROM alarm_journal ORDER BY id').raw().all()).toEqual([
      [1, 'AlarmActivated', 'high', 'active-unacknowledged', null],
      [2, 'AlarmAcknowledged', 'high', 'active-acknowledged', 'op-ana'],
      [3, 'AlarmShelved', 'high', 'shelved', 'op-ana'],
      [4, 'ShelveExpired', 'high', 'active-unacknowledged', null],
      [5, 'CommandRefused', 'high', 'active-unacknowledged', null],
      [6, 'AlarmSuppressed', 'high', 'suppressed-by-design', 'machine-state'],
      [7, 'AlarmCleared', 'high', 'suppressed-by-design', null],
    ]);
  });

  it('lists by asset and half-open time range, newest first, ties newest-appended first, up to the limit', () => {
    repo.upsertAsset(assetConfig('pump-1'), 0);
    repo.upsertAsset(assetConfig('pump-2'), 0);
    const a = journalEvents(10_000, 'pump-1'); // at 10 000 … 16 000
    const b = journalEvents(12_000, 'pump-2', 'velocity.danger'); // at 12 000 … 18 000
    const tie: AlarmEvent = { ...a[6]!, atMs: 13_000 }; // same time as a[3] and b[1]
    for (const e of [...a, ...b, tie]) repo.journal.append(e);

    expect(repo.journal.list({ assetId: 'pump-1', limit: 100 })).toEqual([a[6], a[5], a[4], tie, a[3], a[2], a[1], a[0]]);
    expect(repo.journal.list({ fromMs: 13_000, toMs: 14_000, limit: 100 })).toEqual([tie, b[1], a[3]]);
    expect(repo.journal.list({ assetId: 'pump-2', fromMs: 17_000, limit: 100 })).toEqual([b[6], b[5]]);
    expect(repo.journal.list({ limit: 2 })).toEqual([b[6], b[5]]);
    expect(repo.journal.list({ assetId: 'pump-3', limit: 10 })).toEqual([]);
  });

  it('is a critical op: kept when bounded ops are being dropped; an unknown asset is rejected, not orphaned', async () => {
    expect([OP_PRIORITY.appendAlarmJournal, OP_PRIORITY.appendFeatureHistory]).toEqual(['critical', 'bounded']);
    const { w, issues } = writer({ maxBoundedOps: 0 });
    const [e0, e1] = journalEvents(1000);
    const history: StoreOp = { kind: 'appendFeatureHistory', rows: [{ assetId: 'pump-1', channelId: 'de_accel', tS: 1, score: 1, velocityMmS: 1 }] };
    expect(w.enqueue({ kind: 'upsertAsset', config: assetConfig('pump-1'), atMs: 1 })).toBe(true);
    expect(w.enqueue(history)).toBe(false);
    expect(w.enqueue({ kind: 'appendAlarmJournal', event: e0! })).toBe(true);
    expect(w.enqueue({ kind: 'appendAlarmJournal', event: { ...e1!, assetId: 'pump-404' } })).toBe(true);
    await w.flush();

    expect(repo.journal.list({ limit: 10 })).toEqual([e0]);
    expect(w.stats()).toMatchObject({ droppedOps: 1, droppedByKind: { appendFeatureHistory: 1 }, rejectedOps: 1, written: 2 });
    expect(w.rejected().map((r) => [r.op.kind, r.error.code])).toEqual([['appendAlarmJournal', 'SQLITE_CONSTRAINT_FOREIGNKEY']]);
    expect(issues.map((i) => i.type)).toEqual(['overflow', 'transaction-failed', 'op-rejected']);
  });

  it('names the row when a stored event cannot be read back', () => {
    repo.upsertAsset(assetConfig('pump-1'), 0);
    const [good] = journalEvents(1000);
    repo.journal.append(good!);
    // Only someone writing around the schema's checks can store such rows.
    db.pragma('ignore_check_constraints = ON');
    const raw = db.prepare(`INSERT INTO alarm_journal (at_ms, asset_id, alarm_key, priority, type, state_after, event_json)
      VALUES (?, 'pump-1', 'score.alert', 'high', 'AlarmCleared', 'normal', ?)`);
    raw.run(5000, '{"type": "AlarmCleared", oops');
    db.pragma('ignore_check_constraints = OFF');

    const read = () => repo.journal.list({ limit: 10 });
    expect(read).toThrow(StoreRequestError);
    expect(read).toThrow('alarm journal row 2: event_json does not parse as JSON');
    expect(repo.journal.list({ toMs: 5000, limit: 10 })).toEqual([good]); // the rest stays readable

    db.pragma('ignore_check_constraints = ON');
    raw.run(6000, '{"type": "AlarmActivated"}');
    db.pragma('ignore_check_constraints = OFF');
    expect(() => repo.journal.list({ fromMs: 6000, limit: 10 })).toThrow("alarm journal row 3: event_json does not hold the row's AlarmCleared event");
  });
});
