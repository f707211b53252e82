import { describe, expect, it } from 'vitest';
import { RecordingActuator } from '../../../engine/actuate/actuator';
import type { AssetConfig, RejectReason } from '../../../engine/contract';
import { Engine } from '../../../engine/engine';
import { DemoPlant } from '../../../engine/ingest/demoPlant';
import { DEMO_MACHINES } from '../../../engine/ingest/demoMachines';

const vectorAsset: AssetConfig = {
  assetId: 'vec-1',
  name: 'vector asset',
  bearing: { name: 'x', rollingElements: 9, rollerDiameterMm: 8, pitchDiameterMm: 39, contactAngleDeg: 0 },
  nominalShaftHz: 30,
  channels: [],
  vectorChannels: [{ channelId: 'f', featureNames: ['rms', 'kurtosis'], levelFeatures: ['rms'], deadBelowFraction: 0.1 }],
  setpoints: { score: { alert: 1, danger: 3, onDelayWindows: 1 }, velocityMmS: { alert: 4.5, danger: 7.1, onDelayWindows: 1 } },
  commissioningWindows: 8,
};

describe('bad input never crashes the engine, never reaches the model, and is counted', () => {
  it('given a commissioned machine, when a table of malformed frames arrives between good ones, then each is rejected with its reason and scoring carries on', async () => {
    const pump = DEMO_MACHINES.find((m) => m.assetId === 'pump-101')!;
    const plant = new DemoPlant({ seed: 2, startMs: 1_000_000, machines: [pump], faultSchedule: [] });
    const engine = await Engine.create({ assets: [...plant.assets(), vectorAsset], clock: () => 0, actuator: new RecordingActuator(() => 0) });
    for (let i = 0; i < 140; i++) for (const f of plant.nextFrames()) await engine.push(f);
    const scoredBefore = engine.status().windowsScored;
    expect(scoredBefore).toBeGreaterThan(0);

    const good = plant.nextFrames()[0]!;
    const end = good.startMs + (good.samples.length * 1000) / good.sampleRateHz;
    const nan = good.samples.slice();
    nan[17] = Number.NaN;
    const table: Array<[unknown, RejectReason]> = [
      [null, 'malformed'],
      ['not a frame', 'malformed'],
      [{ ...good, samples: Array.from(good.samples) }, 'malformed'],
      [{ ...good, sampleRateHz: -1 }, 'malformed'],
      [{ ...good, assetId: 'nope' }, 'unknown_asset'],
      [{ ...good, channelId: 'nope' }, 'unknown_channel'],
      [{ ...good, samples: new Float32Array(0) }, 'empty'],
      [{ ...good, samples: new Float32Array(1_000_000) }, 'oversized'],
      [{ ...good, startMs: end, samples: nan }, 'non_finite'],
      [{ ...good, startMs: end, sampleRateHz: 48_000 }, 'sample_rate_changed'],
      [{ ...good, startMs: good.startMs - 10_000 }, 'time_backwards'],
    ];
    await engine.push(good);
    for (const [frame, reason] of table) {
      const r = await engine.push(frame);
      expect(r).toMatchObject({ ok: false, reason });
    }
    const counts = engine.status().rejected;
    expect(counts).toMatchObject({ malformed: 4, unknown_asset: 1, unknown_channel: 1, empty: 1, oversized: 1, non_finite: 1, sample_rate_changed: 1, time_backwards: 1 });
    expect(engine.errorCount).toBe(0);
    // NaN marks the channel bad: nothing is scored until good data has come back for a few windows.
    expect(engine.status().assets[0]!.quality).toBe('bad');
    for (let i = 0; i < 60; i++) for (const f of plant.nextFrames()) await engine.push(f);
    expect(engine.status().assets[0]!.quality).toBe('good');
    expect(engine.status().windowsScored).toBeGreaterThan(scoredBefore);
    await engine.dispose();
  });

  it('given a vector channel, wrong sizes, NaN, unknown channels and time going backwards are counted rejections, and a dead sensor is bad quality', async () => {
    const engine = await Engine.create({ assets: [vectorAsset], clock: () => 0, actuator: new RecordingActuator(() => 0) });
    const v = (rms: number, k = 3): Float32Array => Float32Array.from([rms, k]);
    // 8 windows commission (the fit runs in the learner thread), then 2 are scored.
    for (let t = 1; t <= 10; t++) {
      expect(engine.acceptVector({ assetId: 'vec-1', channelId: 'f', atMs: t, values: v(1 + 0.01 * (t % 3), 3 + 0.1 * (t % 4)) })).toEqual({ ok: true });
      if (t === 8) await engine.settle();
    }
    await engine.settle();
    const scoredBefore = engine.monitor('vec-1')!.live.windowsScored;
    expect(scoredBefore).toBe(2);
    const bad: Array<[Parameters<Engine['acceptVector']>[0], RejectReason]> = [
      [{ assetId: 'vec-1', channelId: 'f', atMs: 20, values: Float32Array.from([1]) }, 'oversized'],
      [{ assetId: 'vec-1', channelId: 'f', atMs: 20, values: new Float32Array(0) }, 'empty'],
      [{ assetId: 'vec-1', channelId: 'f', atMs: 20, values: v(Number.NaN) }, 'non_finite'],
      [{ assetId: 'vec-1', channelId: 'g', atMs: 20, values: v(1) }, 'unknown_channel'],
      [{ assetId: 'other', channelId: 'f', atMs: 20, values: v(1) }, 'unknown_asset'],
      [{ assetId: 'vec-1', channelId: 'f', atMs: 5, values: v(1) }, 'time_backwards'],
    ];
    for (const [s, reason] of bad) expect(engine.acceptVector(s)).toMatchObject({ ok: false, reason });
    expect(engine.acceptVector({ assetId: 'vec-1', channelId: 'f', atMs: 30, values: v(0.001) })).toEqual({ ok: true });
    expect(engine.vectorQuality('vec-1', 'f')).toBe('bad');
    await engine.settle();
    expect(engine.monitor('vec-1')!.live.windowsScored).toBe(scoredBefore);
    expect(engine.errorCount).toBe(0);
    await engine.dispose();
  });
});
