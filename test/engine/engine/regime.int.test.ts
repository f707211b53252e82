import { describe, expect, it } from 'vitest';
import { RecordingActuator } from '../../../engine/actuate/actuator';
import type { EngineEvent } from '../../../engine/contract';
import { Engine } from '../../../engine/engine';
import { DemoPlant } from '../../../engine/ingest/demoPlant';
import { DEMO_MACHINES } from '../../../engine/ingest/demoMachines';

describe('operating regimes: a speed change is commissioned, not alarmed', () => {
  it('given a healthy pump whose drive turns it down to 80 % and back, then the new regime is announced and learned with no score alarm, and the first model resumes when the speed returns', async () => {
    const pump = DEMO_MACHINES.find((m) => m.assetId === 'pump-102')!;
    const machine = { ...pump, speed: { nominalHz: pump.speed.nominalHz, steps: [{ atSec: 30, factor: 0.8, rampSec: 4 }, { atSec: 75, factor: 1.25, rampSec: 4 }] } };
    const plant = new DemoPlant({ seed: 5, startMs: 0, machines: [machine], faultSchedule: [] });
    const engine = await Engine.create({ assets: plant.assets(), clock: () => 0, actuator: new RecordingActuator(() => 0) });
    const events: EngineEvent[] = [];
    const versions: Array<{ atMs: number; version: string }> = [];
    engine.on((e) => {
      if (e.type === 'ScoreComputed') versions.push({ atMs: e.endMs, version: e.modelVersion });
      else events.push(e);
    });
    for (let i = 0; plant.nextStartMs < 100_000; i++) {
      for (const f of plant.nextFrames()) engine.accept(f);
      if (i % 10 === 0) await engine.settle();
    }
    await engine.settle();
    const drift = events.filter((e) => e.type === 'DriftDetected');
    expect(drift.map((e) => (e.type === 'DriftDetected' ? [e.kind, e.action] : []))).toEqual([
      ['operating_regime', 'commissioning_regime'],
      ['operating_regime', 'resumed_regime'],
    ]);
    const commissioned = events.filter((e) => e.type === 'ModelPromoted' && e.trigger === 'commissioning');
    expect(commissioned.length).toBe(2);
    // No alarm from the learned score anywhere: a regime change is not a fault.
    expect(events.filter((e) => e.type === 'AlarmLevelChanged')).toEqual([]);
    // After the return, windows are scored by the first regime's model again.
    const first = (commissioned[0] as { toVersion: string }).toVersion;
    const second = (commissioned[1] as { toVersion: string }).toVersion;
    expect(versions.some((v) => v.version === second)).toBe(true);
    expect(versions.at(-1)!.version).toBe(first);
    expect(engine.monitor('pump-102')!.live.offRegimeWindows).toBeGreaterThan(0);
    await engine.dispose();
  }, 180_000);
});
