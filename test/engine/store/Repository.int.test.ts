import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { openDatabase } from '../../../engine/store/openDatabase';
import { Repository } from '../../../engine/store/Repository';
import { alarmEvent, assetConfig, awkwardSamples, DIAGNOSIS, tempDirs, tripEvent } from './fixtures';

const tmp = tempDirs();
let db: Database.Database;
let path: string;
let repo: Repository;

beforeEach(() => {
  path = tmp.path();
  db = openDatabase(path, { nowMs: () => 0 }).db;
  repo = new Repository(db);
  repo.upsertAsset(assetConfig('pump-1'), 1000);
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

/** Same bits, element for element (NaN payloads and -0 included). */
function bitsOf(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

describe('Repository', () => {
  it('upserts assets, keeping the first createdMs and validating the stored config on read', () => {
    repo.upsertAsset({ ...assetConfig('pump-1'), name: 'Renamed pump' }, 5000);
    expect(repo.getAsset('pump-1')).toEqual({ config: { ...assetConfig('pump-1'), name: 'Renamed pump' }, createdMs: 1000 });
    expect(repo.getAsset('nope')).toBeNull();
    expect(repo.listAssets().map((a) => a.config.assetId)).toEqual(['pump-1']);
  });

  it('keeps model versions immutable and returns the ONNX bytes exactly', () => {
    const onnx = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff);
    const model = {
      versionId: 'm-abc123',
      assetId: 'pump-1',
      createdMs: 2000,
      onnx,
      params: { trees: 25, depth: 8 },
      calibration: { p999: 0.73 },
      windows: 512,
      promotedBy: null,
    };
    repo.saveModelVersion(model);
    repo.saveModelVersion({ ...model, versionId: 'm-def456', createdMs: 3000, promotedBy: 'engineer:ana' });
    // Fields added by schema v2 and not given here read back as null.
    const v2Nulls = { channelId: null, parentVersion: null, precision: null, regime: null, validation: null };
    expect(repo.getModelVersion('m-abc123')).toEqual({ ...model, ...v2Nulls, onnxBytes: 300 });
    expect(repo.getModelVersion('m-zzz')).toBeNull();
    expect(repo.listModelVersions('pump-1')).toEqual([
      { versionId: 'm-def456', assetId: 'pump-1', createdMs: 3000, windows: 512, promotedBy: 'engineer:ana', ...v2Nulls, onnxBytes: 300 },
      { versionId: 'm-abc123', assetId: 'pump-1', createdMs: 2000, windows: 512, promotedBy: null, ...v2Nulls, onnxBytes: 300 },
    ]);
    // Content-addressed: the same id with the same bytes is a no-op, with other bytes a refusal.
    repo.saveModelVersion({ ...model, createdMs: 9999 });
    expect(repo.getModelVersion('m-abc123')?.createdMs).toBe(2000);
    expect(() => repo.saveModelVersion({ ...model, onnx: new Uint8Array(300).fill(9) })).toThrow(/already stored with different ONNX bytes/);
  });

  it('journals alarm events and counts them by asset and half-open time range', () => {
    repo.upsertAsset(assetConfig('fan-2'), 1000);
    for (const t of [10, 20, 30]) repo.insertAlarmEvent(alarmEvent(t));
    repo.insertAlarmEvent({ ...alarmEvent(25.5, 'fan-2'), diagnosis: null });
    expect(repo.countAlarmEvents()).toBe(4);
    expect(repo.countAlarmEvents({ assetId: 'pump-1' })).toBe(3);
    expect(repo.countAlarmEvents({ assetId: 'pump-1', fromMs: 20, toMs: 30 })).toBe(1);
    expect(repo.countAlarmEvents({ fromMs: 20 })).toBe(3);
    const [latest] = repo.listAlarmEvents({ assetId: 'fan-2', limit: 10 });
    expect(latest).toEqual({
      id: 4,
      assetId: 'fan-2',
      atMs: 25.5,
      from: 'normal',
      to: 'alert',
      source: 'score',
      value: 1.4,
      setpoint: 1,
      modelVersion: 'm-abc123',
      diagnosis: null,
      protection: null,
    });
    expect(repo.listAlarmEvents({ limit: 2 }).map((e) => e.atMs)).toEqual([30, 25.5]);
  });

  it('refuses rows about an asset that was never configured', () => {
    expect(() => repo.insertAlarmEvent(alarmEvent(1, 'ghost'))).toThrow(/FOREIGN KEY/);
  });

  it('round-trips an incident with its trip frame bit-exact, through open, update and close', () => {
    const samples = awkwardSamples(4096);
    repo.openIncident({ id: 'inc-pump-1-100', assetId: 'pump-1', openedMs: 100, modelVersion: 'm-abc123', firstAlertMs: 100, maxScore: 1.2 });
    repo.updateIncident('inc-pump-1-100', {
      tripMs: 150.25,
      maxScore: 3.4,
      diagnosis: DIAGNOSIS,
      tripFrame: { channelId: 'de_accel', startMs: 149.9, sampleRateHz: 12000, shaftHz: 29.95, samples },
    });
    repo.updateIncident('inc-pump-1-100', { maxScore: 2.0, firstAlertMs: 999, tripMs: 999 }); // lower score, later times: ignored
    repo.insertTrip({ ...tripEvent(150.25), incidentId: 'inc-pump-1-100', actuator: 'modbus:coil/17', groupId: 'velocity', channelIds: ['de_accel'], faultedChannelIds: [], cause: 'setpoint', configVersion: 'cfg-pump-1-2' });
    repo.closeIncident('inc-pump-1-100', 9000, 'Inner-race defect; tripped on velocity');

    // Read through a separate connection so nothing is served from the writer's memory.
    const readerDb = new Database(path, { readonly: true });
    onTestFinished(() => {
      readerDb.close();
    });
    const reader = new Repository(readerDb);
    const got = reader.getIncident('inc-pump-1-100');
    expect(got).not.toBeNull();
    const { tripFrame, ...rest } = got!;
    expect(rest).toEqual({
      id: 'inc-pump-1-100',
      assetId: 'pump-1',
      openedMs: 100,
      closedMs: 9000,
      firstAlertMs: 100,
      tripMs: 150.25,
      modelVersion: 'm-abc123',
      diagnosis: DIAGNOSIS,
      maxScore: 3.4,
      summary: 'Inner-race defect; tripped on velocity',
      configVersion: null,
    });
    expect(tripFrame).toMatchObject({ channelId: 'de_accel', startMs: 149.9, sampleRateHz: 12000, shaftHz: 29.95 });
    expect(tripFrame!.samples).toBeInstanceOf(Float32Array);
    expect(bitsOf(tripFrame!.samples)).toEqual(bitsOf(samples));

    expect(reader.listIncidents({ assetId: 'pump-1', limit: 5 })[0]?.tripFrame).toEqual({
      channelId: 'de_accel',
      startMs: 149.9,
      sampleRateHz: 12000,
      shaftHz: 29.95,
      sampleCount: 4096,
    });
    expect(reader.listTripsForIncident('inc-pump-1-100')).toEqual([
      {
        id: 1,
        assetId: 'pump-1',
        decidedAtMs: 150.25,
        commandedAtMs: 151.5,
        latencyUs: 1830.5,
        source: 'velocity',
        value: 9.3,
        setpoint: 7.1,
        modelVersion: 'm-abc123',
        actuator: 'modbus:coil/17',
        incidentId: 'inc-pump-1-100',
        protection: { groupId: 'velocity', channelIds: ['de_accel'], faultedChannelIds: [], cause: 'setpoint', configVersion: 'cfg-pump-1-2' },
      },
    ]);
    expect(reader.listTrips({ limit: 10 })).toHaveLength(1);
    expect(reader.listTrips({ assetId: 'other', limit: 10 })).toEqual([]);
  });

  it('lists incidents newest first without samples', () => {
    for (const t of [100, 300, 200]) repo.openIncident({ id: `inc-${t}`, assetId: 'pump-1', openedMs: t, modelVersion: 'm-abc123' });
    expect(repo.listIncidents({ limit: 2 }).map((i) => i.id)).toEqual(['inc-300', 'inc-200']);
    expect(repo.getIncident('inc-100')?.tripFrame).toBeNull();
    expect(repo.getIncident('missing')).toBeNull();
  });

  it('says why an incident could not be updated or closed', () => {
    expect(() => repo.updateIncident('missing', { maxScore: 1 })).toThrow(/does not exist/);
    repo.openIncident({ id: 'inc-1', assetId: 'pump-1', openedMs: 1, modelVersion: 'm-abc123' });
    repo.closeIncident('inc-1', 2);
    expect(() => repo.closeIncident('inc-1', 3)).toThrow(/closed at 2/);
    expect(() => repo.updateIncident('inc-1', { summary: 'late' })).toThrow(/closed/);
  });

  it('refuses a trip whose incident does not exist', () => {
    expect(() => repo.insertTrip({ ...tripEvent(1), incidentId: 'nope', actuator: 'sim' })).toThrow(/FOREIGN KEY/);
  });
});
