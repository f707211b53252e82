import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../engine/store/openDatabase';
import { Repository } from '../../../engine/store/Repository';
import type { Scheduler } from '../../../engine/store/scheduler';
import { SqliteBackend, type StoreBackend } from '../../../engine/store/SqliteBackend';
import { OP_PRIORITY, type StoreOp } from '../../../engine/store/storeOps';
import { StoreWriter, StoreWriterError, type StoreWriterIssue } from '../../../engine/store/StoreWriter';
import { alarmEvent, assetConfig, awkwardSamples, bitsOf, featureWindows, modelInput, tempDirs, tripEvent } from './fixtures';

/** A scheduler the test drives by hand: nothing runs until the test says so. */
function manualScheduler() {
  const deferred = new Set<() => void>();
  const timers = new Map<() => void, number>();
  const scheduler: Scheduler = {
    defer(fn) {
      deferred.add(fn);
      return () => deferred.delete(fn);
    },
    after(delayMs, fn) {
      timers.set(fn, delayMs);
      return () => timers.delete(fn);
    },
  };
  return {
    scheduler,
    deferredCount: () => deferred.size,
    timerDelays: () => [...timers.values()],
    /** Runs the deferred callbacks, then lets the writer's promise chain settle. */
    async runDeferred() {
      const fns = [...deferred];
      deferred.clear();
      for (const fn of fns) fn();
      await new Promise((r) => setImmediate(r));
    },
    fireTimers() {
      const fns = [...timers.keys()];
      timers.clear();
      for (const fn of fns) fn();
    },
  };
}

/** Wraps a backend to record the size of every batch it was asked to commit. */
function spied(inner: StoreBackend): StoreBackend & { batches: number[] } {
  const batches: number[] = [];
  return { batches, applyBatch: (ops) => (batches.push(ops.length), inner.applyBatch(ops)) };
}

const tmp = tempDirs();
let path: string;
let db: Database.Database;
let reader: Database.Database;
let backend: SqliteBackend;
let issues: StoreWriterIssue[];

beforeEach(() => {
  path = tmp.path();
  db = openDatabase(path, { nowMs: () => 0, busyTimeoutMs: 0 }).db;
  reader = new Database(path, { readonly: true });
  backend = new SqliteBackend(new Repository(db));
  issues = [];
});
afterEach(() => {
  reader.close();
  db.close();
  tmp.cleanup();
});

function counts() {
  const n = (t: string) => reader.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number;
  return { assets: n('assets'), incidents: n('incidents'), trips: n('trips'), alarms: n('alarm_events') };
}

const frame = { channelId: 'de_accel', startMs: 149.9, sampleRateHz: 12000, shaftHz: 29.95 };
function incidentOps(id = 'inc-1'): StoreOp[] {
  return [
    { kind: 'upsertAsset', config: assetConfig('pump-1'), atMs: 1 },
    { kind: 'insertAlarmEvent', event: alarmEvent(100) },
    { kind: 'openIncident', incident: { id, assetId: 'pump-1', openedMs: 100, modelVersion: 'm-abc123', tripFrame: { ...frame, samples: awkwardSamples(1024) } } },
    { kind: 'insertTrip', trip: { ...tripEvent(150), incidentId: id, actuator: 'sim' } },
    { kind: 'closeIncident', id, closedMs: 900, summary: 'tripped' },
  ];
}
const none = { assets: 0, incidents: 0, trips: 0, alarms: 0 };

describe('StoreWriter', () => {
  it('never touches the disk in enqueue, then writes all queued ops in one deferred transaction', async () => {
    const clock = manualScheduler();
    const spy = spied(backend);
    const writer = new StoreWriter({ backend: spy, scheduler: clock.scheduler, onError: (i) => issues.push(i) });
    const dataVersion = () => reader.pragma('data_version', { simple: true });
    const before = dataVersion();

    for (const op of incidentOps()) expect(writer.enqueue(op)).toBe(true);

    expect(spy.batches).toEqual([]);
    expect(counts()).toEqual(none);
    expect(dataVersion()).toBe(before); // no other connection has committed anything
    expect(clock.deferredCount()).toBe(1); // one flush scheduled, not one per op

    await clock.runDeferred();

    expect(spy.batches).toEqual([5]);
    expect(dataVersion()).not.toBe(before);
    expect(counts()).toEqual({ assets: 1, incidents: 1, trips: 1, alarms: 1 });
    expect(writer.stats()).toMatchObject({ queued: 0, enqueued: 5, written: 5, transactions: 1, failedTransactions: 0 });
    expect(issues).toEqual([]);
  });

  it('splits a long queue into batches of maxBatchOps, yielding between them', async () => {
    const clock = manualScheduler();
    const spy = spied(backend);
    const writer = new StoreWriter({ backend: spy, scheduler: clock.scheduler, maxBatchOps: 2 });
    for (const op of incidentOps()) writer.enqueue(op);
    await clock.runDeferred();
    expect(spy.batches).toEqual([2]);
    expect(clock.deferredCount()).toBe(1);
    await writer.flush();
    expect(spy.batches).toEqual([2, 2, 1]);
    expect(counts()).toEqual({ assets: 1, incidents: 1, trips: 1, alarms: 1 });
  });

  it('rolls back a batch that fails midway as a whole: no partial rows', () => {
    const ops = incidentOps();
    ops.splice(3, 0, { kind: 'insertTrip', trip: { ...tripEvent(151), incidentId: 'no-such-incident', actuator: 'sim' } });
    const result = backend.applyBatchSync(ops);
    expect(result).toEqual({
      ok: false,
      error: { code: 'SQLITE_CONSTRAINT_FOREIGNKEY', message: 'FOREIGN KEY constraint failed', transient: false, opIndex: 3 },
    });
    expect(counts()).toEqual(none);
  });

  it('after a permanent failure, keeps the good ops and rejects only the bad one, loudly', async () => {
    const clock = manualScheduler();
    const spy = spied(backend);
    const writer = new StoreWriter({ backend: spy, scheduler: clock.scheduler, onError: (i) => issues.push(i) });
    const bad: StoreOp = { kind: 'updateIncident', id: 'never-opened', patch: { maxScore: 5 } };
    const ops = incidentOps();
    ops.splice(2, 0, bad);
    for (const op of ops) writer.enqueue(op);

    await writer.flush();

    expect(spy.batches).toEqual([6, 1, 1, 1, 1, 1, 1]);
    expect(counts()).toEqual({ assets: 1, incidents: 1, trips: 1, alarms: 1 });
    expect(issues).toEqual([
      {
        type: 'transaction-failed',
        error: expect.objectContaining({ code: 'VIGIL_NO_SUCH_INCIDENT', transient: false, opIndex: 2 }),
        batchOps: 6,
        action: 'isolate',
        attempt: 0,
      },
      { type: 'op-rejected', op: bad, error: expect.objectContaining({ code: 'VIGIL_NO_SUCH_INCIDENT' }) },
    ]);
    expect(writer.rejected()).toEqual([{ op: bad, error: expect.objectContaining({ code: 'VIGIL_NO_SUCH_INCIDENT' }) }]);
    expect(writer.stats()).toMatchObject({ queued: 0, written: 5, rejectedOps: 1, failedTransactions: 1 });
  });

  it('keeps ops queued through a transient failure (database locked) and retries them with back-off', async () => {
    const clock = manualScheduler();
    const writer = new StoreWriter({ backend, scheduler: clock.scheduler, retryBaseMs: 50, onError: (i) => issues.push(i) });
    const blocker = new Database(path);
    blocker.exec('BEGIN IMMEDIATE');
    try {
      for (const op of incidentOps()) writer.enqueue(op);
      expect(clock.deferredCount()).toBe(1);
      await expect(writer.flush()).rejects.toBeInstanceOf(StoreWriterError);
      expect(clock.deferredCount()).toBe(0); // the flush took the deferred step's place: no attempt outside the back-off
      expect(writer.stats()).toMatchObject({ queued: 5, written: 0, failedTransactions: 1 });
      expect(writer.pending()).toHaveLength(5);
      expect(issues).toEqual([
        { type: 'transaction-failed', error: expect.objectContaining({ code: 'SQLITE_BUSY', transient: true }), batchOps: 5, action: 'retry-later', attempt: 1 },
      ]);
      expect(clock.timerDelays()).toEqual([50]);
      clock.fireTimers();
      await clock.runDeferred(); // still locked: second attempt waits twice as long
      expect(clock.timerDelays()).toEqual([100]);
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
    }
    clock.fireTimers();
    await clock.runDeferred();
    expect(counts()).toEqual({ assets: 1, incidents: 1, trips: 1, alarms: 1 });
    expect(writer.stats()).toMatchObject({ queued: 0, written: 5, failedTransactions: 2 });
  });

  it('drops only bounded ops on overflow, counts and reports them; critical ops are always kept', async () => {
    const clock = manualScheduler();
    const writer = new StoreWriter({ backend, scheduler: clock.scheduler, maxBoundedOps: 2, backlogThreshold: 4, onError: (i) => issues.push(i) });
    writer.enqueue({ kind: 'upsertAsset', config: assetConfig('pump-1'), atMs: 1 });
    const accepted = [1, 2, 3, 4].map((t) => writer.enqueue({ kind: 'insertAlarmEvent', event: alarmEvent(t) }));
    expect(accepted).toEqual([true, true, false, false]);
    for (const op of incidentOps().slice(2)) expect(writer.enqueue(op)).toBe(true);

    await writer.flush();

    expect(counts()).toEqual({ assets: 1, incidents: 1, trips: 1, alarms: 2 });
    expect(writer.stats()).toMatchObject({ droppedOps: 2, droppedByKind: { insertAlarmEvent: 2 }, maxQueued: 6 });
    expect(issues).toEqual([
      { type: 'overflow', phase: 'started', droppedByKind: { insertAlarmEvent: 1 }, droppedTotal: 1 },
      { type: 'backlog', phase: 'started', queued: 4, threshold: 4 },
      { type: 'overflow', phase: 'ended', droppedByKind: { insertAlarmEvent: 2 }, droppedTotal: 2 },
      { type: 'backlog', phase: 'ended', queued: 0, threshold: 4 },
    ]);
  });

  it('copies trip-frame samples on enqueue, so a reused window buffer cannot change the record', async () => {
    const writer = new StoreWriter({ backend, scheduler: manualScheduler().scheduler });
    const window = awkwardSamples(256);
    const expected = window.slice();
    writer.enqueue({ kind: 'upsertAsset', config: assetConfig('pump-1'), atMs: 1 });
    writer.enqueue({ kind: 'openIncident', incident: { id: 'inc-9', assetId: 'pump-1', openedMs: 1, modelVersion: 'm-1', tripFrame: { ...frame, samples: window } } });
    window.fill(0);
    await writer.flush();
    const stored = new Repository(reader).getIncident('inc-9')!.tripFrame!.samples;
    expect(new Uint32Array(stored.buffer)).toEqual(new Uint32Array(expected.buffer));
  });

  it('writes promotions and feedback as critical ops, copying feedback vectors on enqueue', async () => {
    expect([OP_PRIORITY.recordPromotion, OP_PRIORITY.insertFeedback]).toEqual(['critical', 'critical']);
    const writer = new StoreWriter({ backend, scheduler: manualScheduler().scheduler, maxBoundedOps: 0, onError: (i) => issues.push(i) });
    const episode = featureWindows(4, 12);
    const expected = episode.map((v) => v.slice());
    const ops: StoreOp[] = [
      { kind: 'upsertAsset', config: assetConfig('pump-1'), atMs: 1 },
      { kind: 'saveModelVersion', model: modelInput('m-1', 1) },
      { kind: 'recordPromotion', promotion: { assetId: 'pump-1', channelId: 'de_accel', fromVersion: null, toVersion: 'm-1', atMs: 10, kind: 'commissioning', by: 'commissioning' } },
      { kind: 'saveModelVersion', model: modelInput('m-2', 2, { parentVersion: 'm-1' }) },
      { kind: 'recordPromotion', promotion: { assetId: 'pump-1', channelId: 'de_accel', fromVersion: 'm-1', toVersion: 'm-2', atMs: 20, kind: 'promotion', by: 'learner', validation: { falseAlarmRate: 0 } } },
      { kind: 'openIncident', incident: { id: 'inc-1', assetId: 'pump-1', openedMs: 30, modelVersion: 'm-2' } },
      {
        kind: 'insertFeedback',
        feedback: { assetId: 'pump-1', channelId: 'de_accel', incidentId: 'inc-1', verdict: 'false_alarm', by: 'ana', atMs: 40, modelVersion: 'm-2', fromMs: 30, toMs: 35, vectors: episode },
      },
    ];
    for (const op of ops) expect(writer.enqueue(op)).toBe(true); // maxBoundedOps 0 drops only bounded kinds
    for (const v of episode) v.fill(0); // the engine reuses its window buffers

    await writer.flush();

    expect(issues).toEqual([]);
    const stored = new Repository(reader).models;
    expect(stored.productionVersion('pump-1', 'de_accel')).toBe('m-2');
    expect(stored.listPromotions('pump-1').map((p) => [p.kind, p.fromVersion, p.toVersion])).toEqual([
      ['promotion', 'm-1', 'm-2'],
      ['commissioning', null, 'm-1'],
    ]);
    const feedback = stored.listFeedback('pump-1', 'de_accel');
    expect(feedback.map((f) => [f.id, f.incidentId, f.windows, f.vectorLength])).toEqual([[1, 'inc-1', 4, 12]]);
    expect(feedback[0]!.vectors.map(bitsOf)).toEqual(expected.map(bitsOf));
    expect(writer.stats()).toMatchObject({ written: 7, droppedOps: 0, rejectedOps: 0 });
  });

  it('rejects a promotion of an unknown version on its own, keeping the rest of the batch', async () => {
    const writer = new StoreWriter({ backend, scheduler: manualScheduler().scheduler, onError: (i) => issues.push(i) });
    const bad: StoreOp = {
      kind: 'recordPromotion',
      promotion: { assetId: 'pump-1', channelId: 'de_accel', fromVersion: null, toVersion: 'm-404', atMs: 1, kind: 'rollback', by: 'ana' },
    };
    writer.enqueue({ kind: 'upsertAsset', config: assetConfig('pump-1'), atMs: 1 });
    writer.enqueue(bad);
    writer.enqueue({ kind: 'saveModelVersion', model: modelInput('m-1', 1) });
    await writer.flush();
    expect(writer.rejected()).toEqual([{ op: bad, error: expect.objectContaining({ code: 'VIGIL_NO_SUCH_MODEL_VERSION', transient: false }) }]);
    expect(new Repository(reader).models.listModelVersions('pump-1').map((m) => m.versionId)).toEqual(['m-1']);
  });

  it('close() writes what is queued (with the real scheduler) and refuses later ops', async () => {
    const writer = new StoreWriter({ backend });
    for (const op of incidentOps()) writer.enqueue(op);
    await writer.close();
    expect(counts()).toEqual({ assets: 1, incidents: 1, trips: 1, alarms: 1 });
    expect(writer.stats()).toMatchObject({ closed: true, queued: 0, written: 5 });
    expect(() => writer.enqueue({ kind: 'insertAlarmEvent', event: alarmEvent(5) })).toThrow(/closed/);
  });

  it('close() rejects and keeps the ops available when they cannot be written', async () => {
    const clock = manualScheduler();
    const writer = new StoreWriter({ backend, scheduler: clock.scheduler, onError: (i) => issues.push(i) });
    const blocker = new Database(path);
    blocker.exec('BEGIN IMMEDIATE');
    try {
      for (const op of incidentOps()) writer.enqueue(op);
      await expect(writer.close()).rejects.toThrow(/SQLITE_BUSY.*5 ops still pending/);
      expect(writer.pending().map((op) => op.kind)).toEqual(['upsertAsset', 'insertAlarmEvent', 'openIncident', 'insertTrip', 'closeIncident']);
      expect(clock.timerDelays()).toEqual([]); // no retry keeps a closed writer alive
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
    }
  });

  it('treats a backend that rejects (e.g. a dead worker) as transient and keeps the ops', async () => {
    const clock = manualScheduler();
    const dead: StoreBackend = { applyBatch: () => Promise.reject(new Error('worker exited')) };
    const writer = new StoreWriter({ backend: dead, scheduler: clock.scheduler, onError: (i) => issues.push(i) });
    writer.enqueue({ kind: 'upsertAsset', config: assetConfig('pump-1'), atMs: 1 });
    await expect(writer.flush()).rejects.toThrow(/VIGIL_BACKEND_UNAVAILABLE/);
    expect(writer.stats().queued).toBe(1);
  });
});
