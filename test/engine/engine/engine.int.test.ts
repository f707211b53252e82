import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingActuator, type TripCommand, type TripReceipt } from '../../../engine/actuate/actuator';
import type { EngineEvent } from '../../../engine/contract';
import { Engine } from '../../../engine/engine';
import { DemoPlant } from '../../../engine/ingest/demoPlant';
import { DEMO_MACHINES } from '../../../engine/ingest/demoMachines';
import { openStore, type Store } from '../../../engine/store/openStore';

/** An actuator that notes what the store already held about trips when the trip went out. */
class WitnessActuator extends RecordingActuator {
  rowsAtTrip: { trips: number; incidents: number } | null = null;
  constructor(private readonly store: Store) {
    super(() => 0);
  }
  override requestTrip(cmd: TripCommand): TripReceipt {
    const receipt = super.requestTrip(cmd);
    this.rowsAtTrip ??= {
      trips: (this.store.db.prepare('SELECT count(*) AS n FROM trips').get() as { n: number }).n,
      incidents: (this.store.db.prepare('SELECT count(*) AS n FROM incidents WHERE trip_ms IS NOT NULL').get() as { n: number }).n,
    };
    return receipt;
  }
}

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

describe('engine end to end on the simulator (no external data)', () => {
  it('given a pump that develops an outer-race fault, it commissions, alarms, trips before any write, and stores the incident', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-engine-'));
    const store = openStore(join(dir, 'vigil.sqlite'));
    stores.push(store);
    const pump = DEMO_MACHINES.find((m) => m.assetId === 'pump-101')!;
    const plant = new DemoPlant({ seed: 3, startMs: Date.UTC(2026, 0, 1), machines: [pump], faultSchedule: [{ assetId: 'pump-101', kind: 'outer_race', onsetSec: 20, growthTauSec: 4, initialSeverity: 0.05, maxSeverity: 1 }] });
    const actuator = new WitnessActuator(store);
    const engine = await Engine.create({ assets: plant.assets(), clock: () => 0, actuator, store: (op) => store.writer.enqueue(op) });
    const events: EngineEvent[] = [];
    engine.on((e) => e.type !== 'ScoreComputed' && events.push(e));

    for (let i = 0; i < 600 && actuator.trips().length === 0; i++) for (const f of plant.nextFrames()) await engine.push(f);
    await engine.settle();
    await store.writer.flush();

    const types = events.map((e) => e.type);
    expect(types[0]).toBe('QualityChanged');
    expect(types).toContain('CommissioningCompleted');
    const commissioned = events.find((e) => e.type === 'CommissioningCompleted')!;
    const firstAlarm = events.find((e) => e.type === 'AlarmLevelChanged' && e.to !== 'normal');
    const trip = events.find((e) => e.type === 'TripRequested');
    expect(firstAlarm).toBeDefined();
    expect(trip).toMatchObject({ type: 'TripRequested', assetId: 'pump-101', source: 'score', modelVersion: (commissioned as { modelVersion: string }).modelVersion });
    if (trip?.type !== 'TripRequested' || firstAlarm?.type !== 'AlarmLevelChanged') throw new Error('unreachable');
    // The fault starts at 20 s; commissioning ends near 10 s: the alarm must come after the onset, not before.
    expect(firstAlarm.atMs - plant.startMs).toBeGreaterThan(20_000);
    expect(trip.diagnosis?.fault).toBe('outer_race');
    expect(trip.latencyUs).toBeGreaterThan(0);
    expect(actuator.rowsAtTrip).toEqual({ trips: 0, incidents: 0 });

    const incidents = store.repo.listIncidents({ limit: 10 });
    expect(incidents).toHaveLength(1);
    const incident = store.repo.getIncident(incidents[0]!.id)!;
    expect(incident).toMatchObject({ assetId: 'pump-101', modelVersion: trip.modelVersion, tripMs: trip.decidedAtMs, closedMs: null });
    expect(incident.diagnosis?.fault).toBe('outer_race');
    expect(incident.tripFrame?.samples.length).toBe(4096);
    expect(incident.tripFrame?.sampleRateHz).toBe(12_800);
    expect(store.repo.listTripsForIncident(incident.id)).toMatchObject([{ protection: { groupId: 'score', channelIds: ['de_accel'], cause: 'setpoint', configVersion: 'built-in' } }]);
    expect(store.repo.listModelVersions('pump-101').map((m) => m.versionId)).toEqual([trip.modelVersion]);
    expect(incident.configVersion).toBe('built-in');

    // Raw waveform around the incident: 5 s before and 5 s after its first alert and its trip.
    while (plant.nextStartMs < trip.decidedAtMs + 6000) for (const f of plant.nextFrames()) await engine.push(f);
    await store.writer.flush();
    const snaps = store.repo.snapshots.forIncident(incident.id);
    expect(snaps.map((x) => [x.trigger, x.channelId, x.complete])).toEqual(
      expect.arrayContaining([
        ['alert', 'de_accel', true],
        ['trip', 'de_accel', true],
      ]),
    );
    for (const x of snaps) {
      expect(x.preSamples).toBe(5 * 12_800);
      expect(x.samples.length).toBe(10 * 12_800);
      // The trigger sample is the one at the trigger time.
      expect(x.startMs + (x.preSamples * 1000) / x.sampleRateHz).toBeCloseTo(x.trigger === 'alert' ? firstAlarm.atMs : trip.decidedAtMs, 0);
    }
    await engine.dispose();
  });

  const faults = [
    ['pump-101', 'outer_race', 'outer_race'],
    ['comp-301', 'inner_race', 'inner_race'],
    ['gbx-401', 'ball', 'ball'],
    ['fan-201', 'imbalance', 'imbalance_misalignment'],
  ] as const;
  for (const [assetId, kind, fault] of faults) {
    it(`given ${assetId} developing a simulated ${kind} fault, the trip names ${fault} from the physics`, async () => {
      const plant = new DemoPlant({ seed: 1, startMs: 0, machines: DEMO_MACHINES.filter((m) => m.assetId === assetId), faultSchedule: [{ assetId, kind, onsetSec: 20, growthTauSec: 15, initialSeverity: 0.02, maxSeverity: 1 }] });
      const actuator = new RecordingActuator(() => 0);
      const engine = await Engine.create({ assets: plant.assets(), clock: () => 0, actuator });
      const trips: EngineEvent[] = [];
      engine.on((e) => e.type === 'TripRequested' && trips.push(e));
      for (let i = 0; i < 1500 && trips.length === 0; i++) {
        for (const f of plant.nextFrames()) engine.accept(f);
        if (i % 10 === 0) await engine.settle();
      }
      await engine.settle();
      const trip = trips[0];
      if (trip?.type !== 'TripRequested') throw new Error(`${assetId} never tripped`);
      expect(trip.decidedAtMs).toBeGreaterThan(20_000);
      expect(trip.diagnosis?.fault).toBe(fault);
      await engine.dispose();
    });
  }

  it('given healthy machines including a start-up and a variable-speed drive, it raises no alarm over two minutes', async () => {
    const plant = new DemoPlant({ seed: 5, startMs: 0, faultSchedule: [] });
    const engine = await Engine.create({ assets: plant.assets(), clock: () => 0, actuator: new RecordingActuator(() => 0) });
    const alarms: EngineEvent[] = [];
    engine.on((e) => e.type === 'AlarmLevelChanged' && alarms.push(e));
    for (let i = 0; i < 1200; i++) {
      for (const f of plant.nextFrames()) engine.accept(f);
      if (i % 20 === 0) await engine.settle();
    }
    await engine.settle();
    expect(alarms).toEqual([]);
    const status = engine.status().assets;
    expect(status.every((a) => a.quality === 'good')).toBe(true);
    // The variable-speed drive learns over a whole 180 s speed cycle; the others are monitoring.
    expect(status.filter((a) => a.phase === 'commissioning').map((a) => a.assetId)).toEqual(['mot-502']);
    await engine.dispose();
  });
});
