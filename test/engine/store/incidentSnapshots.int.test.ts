import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { incidentTimeline, timelineToCsv, timelineToHtml, timelineToJson } from '../../../engine/incident/incidentTimeline';
import { WaveformRecorder, type WaveformSnapshot } from '../../../engine/incident/WaveformRecorder';
import { MIGRATIONS } from '../../../engine/store/migrations';
import { openDatabase } from '../../../engine/store/openDatabase';
import { Repository } from '../../../engine/store/Repository';
import type { Scheduler } from '../../../engine/store/scheduler';
import { SqliteBackend } from '../../../engine/store/SqliteBackend';
import { StoreWriter, type StoreWriterIssue } from '../../../engine/store/StoreWriter';
import { alarmEvent, assetConfig, awkwardSamples, bitsOf, DIAGNOSIS, tempDirs, tripEvent } from './fixtures';

const tmp = tempDirs();
afterEach(() => tmp.cleanup());

/** Nothing is written until the test flushes. */
const manual: Scheduler = { defer: () => () => undefined, after: () => () => undefined };

/** A real database file, its repository, and a writer on it that collects its issues. */
function openWriter() {
  const path = tmp.path();
  const { db } = openDatabase(path, { nowMs: () => 0 });
  const issues: StoreWriterIssue[] = [];
  const writer = new StoreWriter({ backend: new SqliteBackend(new Repository(db)), scheduler: manual, onError: (i) => issues.push(i) });
  return {
    path,
    writer,
    issues,
    /** A repository on a second, read-only connection, so nothing is served from the writer's memory. */
    reader() {
      const readerDb = new Database(path, { readonly: true });
      return { repo: new Repository(readerDb), close: () => readerDb.close() };
    },
    async close() {
      await writer.close();
      db.close();
    },
  };
}

/**
 * Feeds a recorder frames cut from `signal` (1 kHz, 100-sample frames from t = 10 s) and triggers
 * an alert at sample 1250 and a trip at sample 1400: both snapshots (0.5 s + 0.3 s) complete.
 */
function recordIncident(signal: Float32Array, incidentId = 'inc-1'): WaveformSnapshot[] {
  const rec = new WaveformRecorder({ assetId: 'pump-1', channelId: 'de_accel', sampleRateHz: 1000, preMs: 500, postMs: 300, maxFrameSamples: 100 });
  const out: WaveformSnapshot[] = [];
  for (let first = 0; first + 100 <= signal.length; first += 100) {
    out.push(...rec.push(10_000 + first, signal.subarray(first, first + 100), 29.9));
    if (first === 1200) rec.trigger(incidentId, 'alert', 10_000 + 1250);
    if (first === 1400) rec.trigger(incidentId, 'trip', 10_000 + 1400);
  }
  return [...out, ...rec.drain()];
}

const sine = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.3) + (i >= 1400 ? 2 : 0));

describe('incident snapshots (schema v6)', () => {
  it('given snapshots written through the StoreWriter, then a second connection reads them back bit-exact, in trigger order, with metadata alone on request', async () => {
    const store = openWriter();
    const signal = awkwardSamples(2000); // NaN payloads, -0, subnormals, infinities
    const snapshots = recordIncident(signal);
    expect(snapshots.map((s) => [s.trigger, s.complete, s.preSamples, s.samples.length])).toEqual([
      ['alert', true, 500, 800],
      ['trip', true, 500, 800],
    ]);
    store.writer.enqueue({ kind: 'upsertAsset', config: assetConfig('pump-1'), atMs: 0 });
    store.writer.enqueue({ kind: 'openIncident', incident: { id: 'inc-1', assetId: 'pump-1', openedMs: 11_250, modelVersion: 'm-abc123', firstAlertMs: 11_250, configVersion: 'cfg-pump-1-3' } });
    // Trip first: the store orders by trigger time, not by arrival.
    for (const s of [...snapshots].reverse()) store.writer.enqueue({ kind: 'insertSnapshot', snapshot: s });
    await store.writer.flush();
    expect(store.issues).toEqual([]);

    const { repo, close } = store.reader();
    try {
      const got = repo.snapshots.forIncident('inc-1');
      expect(got.map(({ samples: _s, ...meta }) => meta)).toEqual(snapshots.map(({ samples: _s, ...meta }) => meta));
      got.forEach((s, i) => expect(bitsOf(s.samples)).toEqual(bitsOf(snapshots[i]!.samples)));
      expect(bitsOf(got[0]!.samples)).toEqual(bitsOf(signal.slice(750, 1550)));
      expect(repo.snapshots.metaForIncident('inc-1')).toEqual(snapshots.map(({ samples, ...meta }) => ({ ...meta, sampleCount: samples.length })));
      expect(repo.getIncident('inc-1')?.configVersion).toBe('cfg-pump-1-3');
      expect(repo.listIncidents({ limit: 1 })[0]?.configVersion).toBe('cfg-pump-1-3');
      expect(repo.snapshots.forIncident('inc-other')).toEqual([]);
    } finally {
      close();
      await store.close();
    }
  });

  it('given the engine mutates a snapshot after enqueue, then what was enqueued is what is stored', async () => {
    const store = openWriter();
    const [alert] = recordIncident(sine(2000));
    const expected = alert!.samples.slice();
    store.writer.enqueue({ kind: 'upsertAsset', config: assetConfig('pump-1'), atMs: 0 });
    store.writer.enqueue({ kind: 'openIncident', incident: { id: 'inc-1', assetId: 'pump-1', openedMs: 11_250, modelVersion: 'm-abc123' } });
    store.writer.enqueue({ kind: 'insertSnapshot', snapshot: alert! });
    alert!.samples.fill(0);
    await store.writer.flush();
    const { repo, close } = store.reader();
    expect(repo.snapshots.forIncident('inc-1')[0]?.samples).toEqual(expected);
    close();
    await store.close();
  });

  it('given the same key written twice, then a complete snapshot replaces a partial one and a partial never replaces a complete one', async () => {
    const store = openWriter();
    const [alert] = recordIncident(sine(2000));
    const partial: WaveformSnapshot = { ...alert!, samples: alert!.samples.slice(0, 600), complete: false };
    const otherPartial: WaveformSnapshot = { ...partial, samples: partial.samples.slice(0, 550) };
    store.writer.enqueue({ kind: 'upsertAsset', config: assetConfig('pump-1'), atMs: 0 });
    store.writer.enqueue({ kind: 'openIncident', incident: { id: 'inc-1', assetId: 'pump-1', openedMs: 11_250, modelVersion: 'm-abc123' } });
    store.writer.enqueue({ kind: 'insertSnapshot', snapshot: partial });
    store.writer.enqueue({ kind: 'insertSnapshot', snapshot: otherPartial }); // partial over partial: replaced
    await store.writer.flush();
    const { repo, close } = store.reader();
    expect(repo.snapshots.metaForIncident('inc-1').map((m) => [m.complete, m.sampleCount])).toEqual([[false, 550]]);
    store.writer.enqueue({ kind: 'insertSnapshot', snapshot: alert! });
    store.writer.enqueue({ kind: 'insertSnapshot', snapshot: partial });
    await store.writer.flush();
    expect(repo.snapshots.metaForIncident('inc-1').map((m) => [m.complete, m.sampleCount])).toEqual([[true, 800]]);
    expect(repo.snapshots.forIncident('inc-1')[0]?.samples).toEqual(alert!.samples);
    close();
    await store.close();
  });

  it('given snapshots for an unknown incident, for another asset, or not self-consistent, then each is rejected alone and reported, and the batch keeps the rest', async () => {
    const store = openWriter();
    const [alert, trip] = recordIncident(sine(2000));
    store.writer.enqueue({ kind: 'upsertAsset', config: assetConfig('pump-1'), atMs: 0 });
    store.writer.enqueue({ kind: 'upsertAsset', config: assetConfig('pump-2'), atMs: 0 });
    store.writer.enqueue({ kind: 'openIncident', incident: { id: 'inc-1', assetId: 'pump-1', openedMs: 11_250, modelVersion: 'm-abc123' } });
    store.writer.enqueue({ kind: 'insertSnapshot', snapshot: { ...alert!, incidentId: 'inc-nope' } });
    store.writer.enqueue({ kind: 'insertSnapshot', snapshot: { ...alert!, assetId: 'pump-2' } });
    store.writer.enqueue({ kind: 'insertSnapshot', snapshot: { ...alert!, preSamples: 801 } });
    store.writer.enqueue({ kind: 'insertSnapshot', snapshot: { ...alert!, trigger: 'estop' as never } });
    store.writer.enqueue({ kind: 'insertSnapshot', snapshot: trip! });
    await store.writer.flush();
    expect(store.writer.rejected().map((r) => r.error.code)).toEqual([
      'SQLITE_CONSTRAINT_FOREIGNKEY',
      'SQLITE_CONSTRAINT_FOREIGNKEY',
      'VIGIL_BAD_SNAPSHOT',
      'VIGIL_BAD_SNAPSHOT',
    ]);
    expect(store.writer.rejected()[2]?.error.message).toMatch(/preSamples 801 is not an index within its 800 samples/);
    const { repo, close } = store.reader();
    expect(repo.snapshots.metaForIncident('inc-1').map((m) => m.trigger)).toEqual(['trip']);
    close();
    await store.close();
  });

  it('given an incident with snapshots and a configuration version, then its timeline lists each snapshot at its trigger time and every export carries them: JSON with the samples, CSV with a reference, HTML with an inline SVG and no script', async () => {
    const store = openWriter();
    const snapshots = recordIncident(sine(2000));
    const snapshotsAfter = recordIncident(sine(2000), 'inc-2'); // another incident's: not part of this one
    store.writer.enqueue({ kind: 'upsertAsset', config: assetConfig('pump-1'), atMs: 0 });
    store.writer.enqueue({ kind: 'openIncident', incident: { id: 'inc-1', assetId: 'pump-1', openedMs: 11_250, modelVersion: 'm-abc123', firstAlertMs: 11_250, diagnosis: DIAGNOSIS, configVersion: 'cfg-pump-1-3' } });
    store.writer.enqueue({ kind: 'openIncident', incident: { id: 'inc-2', assetId: 'pump-1', openedMs: 99_000, modelVersion: 'm-abc123' } });
    store.writer.enqueue({ kind: 'insertAlarmEvent', event: alarmEvent(11_250) });
    store.writer.enqueue({ kind: 'insertTrip', trip: { ...tripEvent(11_400), incidentId: 'inc-1', actuator: 'plc-7' } });
    for (const s of [...snapshots, ...snapshotsAfter]) store.writer.enqueue({ kind: 'insertSnapshot', snapshot: s });
    store.writer.enqueue({ kind: 'closeIncident', id: 'inc-1', closedMs: 12_000, summary: 'tripped <on> velocity' });
    await store.writer.flush();
    expect(store.issues).toEqual([]);

    const { repo, close } = store.reader();
    const t = incidentTimeline(repo, 'inc-1');
    close();
    await store.close();
    expect(t.configVersion).toBe('cfg-pump-1-3');
    expect(t.entries.map((e) => [e.atMs, e.kind])).toEqual([
      [11_250, 'incident_opened'],
      [11_250, 'level_changed'],
      [11_250, 'waveform_snapshot'],
      [11_400, 'trip_decided'],
      [11_400, 'waveform_snapshot'],
      [11_401.25, 'trip_commanded'],
      [12_000, 'incident_closed'],
    ]);
    expect(t.entries[0]!.text).toBe('incident opened on pump-1 under configuration cfg-pump-1-3');
    expect(t.entries[4]).toEqual({
      atMs: 11_400,
      kind: 'waveform_snapshot',
      text: 'raw waveform of de_accel around the trip: 0.50 s before, 0.30 s after at 1000 Hz; snapshot de_accel/trip',
      modelVersion: 'm-abc123',
      detail: {
        ref: 'de_accel/trip', incidentId: 'inc-1', assetId: 'pump-1', channelId: 'de_accel', trigger: 'trip', triggerMs: 11_400,
        startMs: 10_900, sampleRateHz: 1000, shaftHz: 29.9, preSamples: 500, complete: true, sampleCount: 800,
      },
    });
    expect(t.snapshots.map((s) => s.samples)).toEqual(snapshots.map((s) => s.samples));

    const json = JSON.parse(timelineToJson(t)) as { configVersion: string; snapshots: Array<{ ref: string; preSamples: number; samples: number[] }> };
    expect(json.configVersion).toBe('cfg-pump-1-3');
    expect(json.snapshots.map((s) => [s.ref, s.preSamples, s.samples.length])).toEqual([
      ['de_accel/alert', 500, 800],
      ['de_accel/trip', 500, 800],
    ]);
    expect(json.snapshots[1]!.samples).toEqual(Array.from(snapshots[1]!.samples));

    const csv = timelineToCsv(t).trim().split('\n');
    expect(csv).toHaveLength(8);
    expect(csv[3]).toBe(
      '1970-01-01T00:00:11.250Z,11250,waveform_snapshot,m-abc123,"raw waveform of de_accel around the first alert: 0.50 s before, 0.30 s after at 1000 Hz; snapshot de_accel/alert"',
    );

    const html = timelineToHtml(t);
    expect(html).toContain('Configuration <code>cfg-pump-1-3</code>');
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toMatch(/<line x1="500\.0" x2="500\.0"[^>]*stroke="#c00"/); // the trigger, 500 of 800 samples across 800 px
    expect(html).toContain('tripped &#60;on&#62; velocity');
    expect(html).not.toMatch(/<script|\son\w+=|https?:\/\/|<image|<foreignObject|href=/i);
  });

  it('given a v5 database with incidents, then the v6 step adds the snapshot table and keeps every incident', () => {
    const path = tmp.path();
    const v5 = openDatabase(path, { nowMs: () => 1, migrations: MIGRATIONS.slice(0, 5) }).db;
    const repo5 = new Repository(v5);
    repo5.upsertAsset(assetConfig('pump-1'), 0);
    repo5.openIncident({ id: 'inc-1', assetId: 'pump-1', openedMs: 1000, modelVersion: 'm-1', configVersion: 'cfg-pump-1-1' });
    v5.close();
    const { db, migration } = openDatabase(path, { nowMs: () => 2 });
    try {
      expect(migration.applied[0]).toEqual({ version: 6, name: 'incident_snapshots' });
      const repo = new Repository(db);
      expect(repo.listIncidents({ limit: 5 }).map((i) => [i.id, i.configVersion])).toEqual([['inc-1', 'cfg-pump-1-1']]);
      expect(repo.snapshots.metaForIncident('inc-1')).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('given a repository over a schema before configuration versions, then incidents read with a null version and writing one is refused', () => {
    const { db } = openDatabase(tmp.path(), { nowMs: () => 1, migrations: MIGRATIONS.slice(0, 4) });
    try {
      const repo = new Repository(db);
      repo.upsertAsset(assetConfig('pump-1'), 0);
      repo.openIncident({ id: 'inc-1', assetId: 'pump-1', openedMs: 1000, modelVersion: 'm-1' });
      expect(repo.getIncident('inc-1')?.configVersion).toBeNull();
      expect(() => repo.openIncident({ id: 'inc-2', assetId: 'pump-1', openedMs: 2000, modelVersion: 'm-1', configVersion: 'cfg-pump-1-1' })).toThrow(/predates configuration versions/);
    } finally {
      db.close();
    }
  });
});
