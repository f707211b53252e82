import { describe, expect, it } from 'vitest';
import { AssetConfigSchema, FrameSchema } from '../../../engine/contract';
import { DemoPlant } from '../../../engine/ingest/demoPlant';
import { defaultFaultSchedule } from '../../../engine/ingest/demoMachines';
import { Ingest, windowPhase } from '../../../engine/ingest/ingest';
import { PlantDriver } from '../../../engine/ingest/plantDriver';
import { ManualScheduler } from './support/manualScheduler';

describe('DemoPlant', () => {
  it('given the default plant, then it offers seven valid assets with catalogue bearings and the agreed setpoints', () => {
    const assets = new DemoPlant({ seed: 1, startMs: 0 }).assets();
    expect(assets.map((a) => AssetConfigSchema.parse(a)).map((a) => ({ id: a.assetId, bearing: a.bearing.name, ch: a.channels[0], sp: a.setpoints, cw: a.commissioningWindows }))).toEqual(
      ['pump-101', 'pump-102', 'fan-201', 'comp-301', 'gbx-401', 'mot-501', 'mot-502'].map((id, i) => ({
        id,
        bearing: ['SKF 6309', 'SKF 6312', 'SKF 22220 E (per row)', 'SKF NU 214', 'SKF 6313', 'SKF 6310', 'SKF 6308'][i],
        ch: { channelId: 'de_accel', sampleRateHz: 12800, windowSize: 4096, hopSize: 1024, maxFrameSamples: 16384 },
        sp: { score: { alert: 1, danger: 3, onDelayWindows: 2 }, velocityMmS: { alert: 4.5, danger: 7.1, onDelayWindows: 2 } },
        // The variable-speed drive commissions over 1.1 × its 180 s speed cycle (12.8 kHz, hop 1024).
        cw: id === 'mot-502' ? Math.ceil((1.1 * 180 * 12_800) / 1024) : 120,
      })),
    );
    expect(assets.every((a) => a.bearing.multiples !== undefined)).toBe(true);
  });

  it('given a seed, then the fault schedule is fixed for it: four faults, onsets within ±15 s of 3, 5, 8 and 15 min', () => {
    const s = defaultFaultSchedule(11);
    expect({ same: defaultFaultSchedule(11), kinds: s.map((f) => `${f.assetId}:${f.kind}`), near: s.map((f, i) => Math.abs(f.onsetSec - [180, 300, 480, 900][i]!) <= 15) }).toEqual({
      same: s,
      kinds: ['pump-101:outer_race', 'fan-201:imbalance', 'comp-301:inner_race', 'gbx-401:ball'],
      near: [true, true, true, true],
    });
  });

  it('given successive calls, then each returns one valid frame per machine, contiguous in time', () => {
    const plant = new DemoPlant({ seed: 3, startMs: 1_700_000_000_000, frameSamples: 1280 });
    const sets = Array.from({ length: 5 }, () => plant.nextFrames());
    expect(sets.map((set) => set.map((f) => FrameSchema.safeParse(f).success && f.samples.length === 1280).every(Boolean))).toEqual([true, true, true, true, true]);
    expect(sets.map((set) => set[0]!.startMs - 1_700_000_000_000)).toEqual([0, 100, 200, 300, 400]);
    expect(sets.every((set) => set.every((f) => f.startMs === set[0]!.startMs))).toBe(true);
  });

  it('given the same seed, then two plants produce identical frames', () => {
    const a = new DemoPlant({ seed: 5, startMs: 0 });
    const b = new DemoPlant({ seed: 5, startMs: 0 });
    for (let k = 0; k < 20; k++) {
      const fa = a.nextFrames();
      const fb = b.nextFrames();
      fa.forEach((f, i) => expect(Buffer.from(f.samples.buffer).equals(Buffer.from(fb[i]!.samples.buffer))).toBe(true));
    }
  });

  it('given 30 s of plant data through ingest, then every frame is accepted, no gaps, all channels good, one hop per 1024 samples', () => {
    const plant = new DemoPlant({ seed: 8, startMs: 0 });
    const ingest = new Ingest(plant.assets(), () => 0);
    let hops = 0;
    ingest.onHop(() => void hops++);
    for (let k = 0; k < 300; k++) for (const f of plant.nextFrames()) ingest.accept(f);
    const c = ingest.counters();
    // Each channel's first window waits its phase (windowPhase), then one per hop.
    const hopsOf = (ordinal: number): number => Math.floor((300 * 1280 - 4096 - windowPhase(ordinal, 1024)) / 1024) + 1;
    expect({ frames: c.frames, gaps: c.gaps, rejected: Object.values(c.rejected).reduce((a, b) => a + b), hops, quality: [...new Set(c.channels.map((ch) => ch.quality))] }).toEqual({
      frames: 2100,
      gaps: 0,
      rejected: 0,
      hops: [0, 1, 2, 3, 4, 5, 6].reduce((sum, i) => sum + hopsOf(i), 0),
      quality: ['good'],
    });
  });

  it('generates many times faster than real time (7 machines on one core)', () => {
    const plant = new DemoPlant({ seed: 1, startMs: 0 });
    for (let k = 0; k < 20; k++) plant.nextFrames();
    const sets = 300; // 30 s of plant time
    const t0 = performance.now();
    for (let k = 0; k < sets; k++) plant.nextFrames();
    const ms = performance.now() - t0;
    const factor = (sets * plant.frameDurationMs) / ms;
    console.log(`DemoPlant: ${((sets * 1280 * 7) / ms / 1000).toFixed(1)} M samples/s = ${factor.toFixed(0)}x real time for 7 machines at 12.8 kHz`);
    expect(factor).toBeGreaterThan(20);
  });
});

describe('PlantDriver', () => {
  it('given a clock, then a frame set goes out when its last sample is due, and stop() ends it', () => {
    const scheduler = new ManualScheduler(10_000);
    const plant = new DemoPlant({ seed: 1, startMs: 10_000 });
    const sent: number[] = [];
    const driver = new PlantDriver({ plant, sink: (f) => void (f.assetId === 'pump-101' && sent.push(f.startMs)), clock: scheduler.clock, scheduler });
    driver.start();
    scheduler.advance(99);
    const before = sent.length;
    scheduler.advance(251); // t = 350 ms
    driver.stop();
    scheduler.advance(1000);
    expect({ before, sent, sets: driver.setsSent, pending: scheduler.pending }).toEqual({ before: 0, sent: [10_000, 10_100, 10_200], sets: 3, pending: 0 });
  });

  it('given a stall, then it catches up in bounded steps with no frame lost', () => {
    const scheduler = new ManualScheduler(0);
    const plant = new DemoPlant({ seed: 1, startMs: 0 });
    let frames = 0;
    const driver = new PlantDriver({ plant, sink: () => void frames++, clock: scheduler.clock, scheduler, maxSetsPerTurn: 4 });
    driver.start();
    scheduler.nowMs = 1000; // the event loop was blocked for 1 s
    scheduler.advance(0);
    driver.dispose();
    expect({ sets: driver.setsSent, frames }).toEqual({ sets: 10, frames: 70 });
  });
});
