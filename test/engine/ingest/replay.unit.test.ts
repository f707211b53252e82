import { afterEach, describe, expect, it } from 'vitest';
import type { Frame } from '../../../engine/contract';
import { ReplaySource } from '../../../engine/ingest/replay';
import { ManualScheduler } from './support/manualScheduler';
import { cwruEntry, tempDataDir } from './support/tempRecordings';

const recording = Float32Array.from({ length: 1000 }, (_, i) => i);
const source = (over: Partial<ConstructorParameters<typeof ReplaySource>[0]> = {}) =>
  new ReplaySource({ assetId: 'cwru', channelId: 'de', samples: recording, sampleRateHz: 1000, frameSamples: 300, epochMs: 5000, shaftHz: 29.93, ...over });
const summary = (f: Frame) => ({ startMs: f.startMs, n: f.samples.length, first: f.samples[0], shaftHz: f.shaftHz });

describe('ReplaySource frames', () => {
  it('given a recording, then frames cover it contiguously, the last one shorter, stamped from the epoch', () => {
    expect([...source().frames()].map(summary)).toEqual([
      { startMs: 5000, n: 300, first: 0, shaftHz: 29.93 },
      { startMs: 5300, n: 300, first: 300, shaftHz: 29.93 },
      { startMs: 5600, n: 300, first: 600, shaftHz: 29.93 },
      { startMs: 5900, n: 100, first: 900, shaftHz: 29.93 },
    ]);
  });

  it('given a sample range (the second half), then only it is streamed, on the recording timeline', () => {
    const s = source({ startSample: 500, endSample: 1000 });
    expect({ count: s.frameCount, frames: [...s.frames()].map(summary) }).toEqual({
      count: 2,
      frames: [
        { startMs: 5500, n: 300, first: 500, shaftHz: 29.93 },
        { startMs: 5800, n: 200, first: 800, shaftHz: 29.93 },
      ],
    });
  });

  it('given an invalid range or frame size, then construction refuses', () => {
    expect(() => source({ startSample: 10, endSample: 5 })).toThrow(/sample range \[10, 5\) is outside/);
    expect(() => source({ endSample: 1001 })).toThrow(/outside the recording's 1000 samples/);
    expect(() => source({ frameSamples: 0 })).toThrow(/frameSamples must be a positive integer/);
  });
});

describe('ReplaySource run', () => {
  it("given pace 'fast', then frames go out one per event-loop turn until done", async () => {
    const scheduler = new ManualScheduler();
    const got: number[] = [];
    const done = source().run((f) => got.push(f.startMs), { pace: 'fast', scheduler });
    const perTurn: number[] = [];
    while (scheduler.pending > 0) {
      scheduler.turn();
      perTurn.push(got.length);
    }
    expect({ result: await done, perTurn }).toEqual({ result: { framesSent: 4, samplesSent: 1000, aborted: false }, perTurn: [1, 2, 3, 4] });
  });

  it("given pace 'realtime', then a frame goes out when its last sample is due, catching up after a stall", async () => {
    const scheduler = new ManualScheduler(0);
    const sent: Array<[number, number]> = [];
    const done = source().run((f) => sent.push([scheduler.nowMs, f.startMs]), { pace: 'realtime', scheduler, clock: scheduler.clock });
    scheduler.advance(299);
    const early = sent.length;
    scheduler.advance(1);
    scheduler.advance(500); // t = 800: second frame (due 600) went out at 600
    scheduler.advance(5000);
    expect({ early, sent, result: await done }).toEqual({
      early: 0,
      sent: [[300, 5000], [600, 5300], [900, 5600], [1200, 5900]],
      result: { framesSent: 4, samplesSent: 1000, aborted: false },
    });
  });

  it('given an abort, then the run stops and reports how far it got', async () => {
    const scheduler = new ManualScheduler(0);
    const ac = new AbortController();
    const done = source().run(() => {}, { pace: 'realtime', scheduler, clock: scheduler.clock, signal: ac.signal });
    scheduler.advance(650);
    ac.abort();
    scheduler.advance(5000);
    expect(await done).toEqual({ framesSent: 2, samplesSent: 600, aborted: true });
  });
});

describe('ReplaySource.fromRecording', () => {
  const dirs: Array<ReturnType<typeof tempDataDir>> = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  it('given a manifest entry, then rate and shaft speed come from the manifest (recorded rpm / 60)', async () => {
    const d = tempDataDir();
    dirs.push(d);
    d.write('manifest.json', JSON.stringify({ dataset: 't', recordings: [cwruEntry('x.f32', recording, { rpm_recorded_in_file: 1800 })] }));
    d.write('x.f32', recording);
    const s = await ReplaySource.fromRecording(d.dir, 'x.f32', { assetId: 'a', channelId: 'de', frameSamples: 400, epochMs: 0 });
    expect([...s.frames()].map(summary)).toEqual([
      { startMs: 0, n: 400, first: 0, shaftHz: 30 },
      { startMs: 400, n: 400, first: 400, shaftHz: 30 },
      { startMs: 800, n: 200, first: 800, shaftHz: 30 },
    ]);
  });
});
