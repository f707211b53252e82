import { describe, expect, it } from 'vitest';
import type { QualityChanged } from '../../../engine/contract';
import { Ingest, windowPhase, type Hop } from '../../../engine/ingest/ingest';
import { frameAt, ramp, testAsset } from './support/fixtures';

/** An ingest over the test asset (1 kHz, window 256, hop 64) with a settable clock, recording hops and quality changes. */
function setup(options: ConstructorParameters<typeof Ingest>[2] = {}) {
  let now = 1_000_000;
  const ingest = new Ingest([testAsset()], () => now, options);
  const hops: Array<Omit<Hop, 'window'> & { first: number; last: number; length: number }> = [];
  const windows: Float32Array[] = [];
  const quality: Array<Pick<QualityChanged, 'atMs' | 'from' | 'to' | 'reason'>> = [];
  ingest.onHop((h) => {
    const { window, ...rest } = h;
    hops.push({ ...rest, first: window[0]!, last: window[window.length - 1]!, length: window.length });
    windows.push(window.slice());
  });
  ingest.onQuality(({ atMs, from, to, reason }) => quality.push({ atMs, from, to, reason }));
  return { ingest, hops, windows, quality, setNow: (ms: number) => void (now = ms) };
}

const hopEnds = (hops: Array<{ endMs: number }>) => hops.map((h) => h.endMs);

describe('Ingest windows', () => {
  it('given contiguous frames, when 256 samples exist, then a hop is cut every 64 samples with the newest window oldest-first', () => {
    const { ingest, hops, windows } = setup();
    for (let i0 = 0; i0 < 500; i0 += 100) expect(ingest.accept(frameAt(i0, 100, { shaftHz: 29.5 }))).toEqual({ ok: true });
    expect(hopEnds(hops)).toEqual([255, 319, 383, 447]);
    expect(hops[0]).toEqual({ assetId: 'pump-1', channelId: 'de', endMs: 255, shaftHz: 29.5, quality: 'good', first: ramp(0, 1)[0], last: ramp(255, 1)[0], length: 256 });
    windows.forEach((w, k) => expect(Array.from(w)).toEqual(Array.from(ramp(k * 64, 256))));
  });

  it('given one large frame, then it yields every hop it completes, in order', () => {
    const { ingest, hops } = setup();
    ingest.accept(frameAt(0, 1000));
    expect(hopEnds(hops)).toEqual(Array.from({ length: 12 }, (_, k) => 255 + 64 * k));
  });

  it('given a gap, then it is counted and no window spans it: the next hop needs a full new window', () => {
    const { ingest, hops, windows } = setup();
    ingest.accept(frameAt(0, 300));
    ingest.accept(frameAt(400, 300)); // 100 ms missing
    expect(hopEnds(hops)).toEqual([255, 655]);
    expect(Array.from(windows[1]!)).toEqual(Array.from(ramp(400, 256)));
    expect(ingest.counters()).toMatchObject({ frames: 2, samples: 600, gaps: 1, hops: 2 });
  });

  it('given 16 channels sampled together, then their windows are spread over the frames of a hop, each channel still gets one per hop, and a gap restarts a channel on its own phase', () => {
    // 16 channels of one asset at 1 kHz, window 256, hop 64, delivered in 16-sample frames: 4 frames per hop.
    const channels = Array.from({ length: 16 }, (_, i) => ({ channelId: `ch${i}`, sampleRateHz: 1000, windowSize: 256, hopSize: 64, maxFrameSamples: 1024 }));
    const run = (spreadWindows: boolean, frames: number, skip?: { channel: string; from: number; to: number }) => {
      const ingest = new Ingest([{ ...testAsset(), channels }], () => 0, { spreadWindows });
      const ends: Record<string, number[]> = {};
      ingest.onHop((h) => (ends[h.channelId] ??= []).push(h.endMs));
      const perFrame: number[] = [];
      for (let k = 0; k < frames; k++) {
        const before = Object.values(ends).flat().length;
        for (const c of channels) {
          if (skip && c.channelId === skip.channel && k >= skip.from && k < skip.to) continue;
          ingest.accept(frameAt(16 * k, 16, { channelId: c.channelId }));
        }
        perFrame.push(Object.values(ends).flat().length - before);
      }
      return { ends, perFrame };
    };

    const aligned = run(false, 40);
    // Without a phase every channel completes its window on the same frame, and none on the next three.
    expect(aligned.perFrame.slice(20, 28)).toEqual([0, 0, 0, 16, 0, 0, 0, 16]);

    const spread = run(true, 40);
    expect(channels.map((_, i) => windowPhase(i, 64))).toEqual([0, 39, 15, 54, 30, 5, 45, 20, 60, 35, 11, 51, 26, 2, 41, 17]);
    // Spread: 4 windows in each frame once every channel has started.
    expect(spread.perFrame.slice(20, 28)).toEqual([4, 4, 4, 4, 4, 4, 4, 4]);
    for (const [i, c] of channels.entries()) {
      const e = spread.ends[c.channelId]!;
      expect(e[0]).toBe(255 + windowPhase(i, 64));
      expect(e.slice(1).map((t, k) => t - e[k]!)).toEqual(e.slice(1).map(() => 64));
    }

    // ch3 misses frames 30–31: after the gap it needs a full window again, then its phase.
    const gapped = run(true, 60, { channel: 'ch3', from: 30, to: 32 });
    const afterGap = gapped.ends.ch3!.filter((t) => t >= 512);
    expect(afterGap[0]).toBe(512 + 255 + windowPhase(3, 64));
  });

  it('given a frame repeated (duplicate), then it is rejected as time_backwards and the stream continues', () => {
    const { ingest, hops } = setup();
    ingest.accept(frameAt(0, 200));
    expect(ingest.accept(frameAt(0, 200))).toMatchObject({ ok: false, reason: 'time_backwards' });
    ingest.accept(frameAt(200, 200));
    expect(hopEnds(hops)).toEqual([255, 319, 383]);
  });
});

describe('Ingest counters', () => {
  it('given a mix of good and bad frames, then every rejection is counted by reason, in total and per channel', () => {
    const { ingest } = setup();
    const nan = frameAt(100, 10);
    nan.samples[3] = NaN;
    const results = [
      ingest.accept(frameAt(0, 100)),
      ingest.accept({ nonsense: true }),
      ingest.accept(frameAt(100, 10, { assetId: 'nope' })),
      ingest.accept(frameAt(100, 10, { channelId: 'nope' })),
      ingest.accept(frameAt(100, 0)),
      ingest.accept(frameAt(100, 2000)),
      ingest.accept(nan),
      ingest.accept(frameAt(100, 10, { sampleRateHz: 500 })),
      ingest.accept(frameAt(50, 10)),
      ingest.accept(frameAt(100, 10)),
    ];
    ingest.countRejected('pump-1', 'de', 'overflow');
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual([
      'ok', 'malformed', 'unknown_asset', 'unknown_channel', 'empty', 'oversized', 'non_finite', 'sample_rate_changed', 'time_backwards', 'ok',
    ]);
    const perChannel = { malformed: 0, unknown_asset: 0, unknown_channel: 0, empty: 1, oversized: 1, non_finite: 1, sample_rate_changed: 1, time_backwards: 1, overflow: 1 };
    expect(ingest.counters()).toEqual({
      frames: 2,
      samples: 110,
      gaps: 0,
      hops: 0,
      suppressedHops: 0,
      handlerErrors: 0,
      rejected: { ...perChannel, malformed: 1, unknown_asset: 1, unknown_channel: 1 },
      channels: [
        {
          assetId: 'pump-1',
          channelId: 'de',
          quality: 'bad',
          qualityReason: 'non-finite samples (sample 3 is NaN)',
          frames: 2,
          samples: 110,
          gaps: 0,
          hops: 0,
          suppressedHops: 0,
          rejected: perChannel,
        },
      ],
    });
  });

  it('given a hop handler that throws, then the error is reported and ingest carries on', () => {
    const errors: unknown[] = [];
    const { ingest, hops } = setup({ onError: (e) => errors.push(e) });
    ingest.onHop(() => {
      throw new Error('consumer bug');
    });
    ingest.accept(frameAt(0, 400));
    expect({ hops: hops.length, errors: errors.map(String), handlerErrors: ingest.counters().handlerErrors }).toEqual({
      hops: 3,
      errors: ['Error: consumer bug', 'Error: consumer bug', 'Error: consumer bug'],
      handlerErrors: 3,
    });
  });
});

describe('Ingest quality', () => {
  it('given a new channel, then it is stale until its first frame, good after, stale when silent, good when data resumes', () => {
    const { ingest, quality, setNow } = setup({ quality: { staleAfterMs: 500 } });
    expect(ingest.quality('pump-1', 'de')).toBe('stale');
    setNow(1000);
    ingest.accept(frameAt(0, 100));
    ingest.tick(1500); // 500 ms silent: not yet beyond the limit
    ingest.tick(1501);
    setNow(2000);
    ingest.accept(frameAt(100, 100));
    expect(quality).toEqual([
      { atMs: 1000, from: 'stale', to: 'good', reason: 'data resumed' },
      { atMs: 1501, from: 'good', to: 'stale', reason: 'no frame for 501 ms (limit 500 ms)' },
      { atMs: 2000, from: 'stale', to: 'good', reason: 'data resumed' },
    ]);
  });

  it('given no configured limit, then staleness waits max(2 s, 3 frame durations)', () => {
    const { ingest, quality } = setup();
    ingest.accept(frameAt(0, 1000)); // 1 s frames: limit 3 s
    ingest.tick(1_000_000 + 3000);
    ingest.tick(1_000_000 + 3001);
    expect(quality.map((q) => q.to)).toEqual(['good', 'stale']);
  });

  it('given a non-finite frame, then the channel is bad, its windows are suppressed, and it recovers after 3 valid windows', () => {
    const { ingest, hops, quality } = setup();
    ingest.accept(frameAt(0, 300));
    const nan = frameAt(300, 100);
    nan.samples[0] = Infinity;
    ingest.accept(nan);
    ingest.accept(frameAt(400, 600)); // gap restart: windows end at 655, 719, 783 (suppressed until the 3rd), …
    expect(quality.map(({ from, to, reason }) => ({ from, to, reason }))).toEqual([
      { from: 'stale', to: 'good', reason: 'data resumed' },
      { from: 'good', to: 'bad', reason: 'non-finite samples (sample 0 is Infinity)' },
      { from: 'bad', to: 'good', reason: '3 consecutive valid windows' },
    ]);
    expect(hopEnds(hops)).toEqual([255, 783, 847, 911, 975]);
    expect(ingest.counters()).toMatchObject({ gaps: 1, hops: 5, suppressedHops: 2, rejected: { non_finite: 1 } });
  });

  it('given a flat-lined signal, then the window that shows it is not delivered and the channel is bad until 3 good windows', () => {
    const { ingest, hops, quality } = setup();
    ingest.accept(frameAt(0, 256)); // one good window (end 255)
    ingest.accept({ ...frameAt(256, 512), samples: new Float32Array(512).fill(0.25) }); // dead sensor with DC offset
    ingest.accept(frameAt(768, 512));
    expect(quality.map((q) => `${q.from}->${q.to}: ${q.reason}`)).toEqual([
      'stale->good: data resumed',
      'good->bad: flat-lined signal (window std 0.00e+0 < 0.0001)',
      'bad->good: 3 consecutive valid windows',
    ]);
    // Windows ending 511..767 lie wholly in the flat stretch (the first one turns the channel bad); 831 and 895 are
    // valid again but are the 1st and 2nd of the 3 needed; 959 is the 3rd and is delivered.
    expect({ delivered: hopEnds(hops), suppressed: ingest.counters().suppressedHops }).toEqual({
      delivered: [255, 319, 383, 447, 959, 1023, 1087, 1151, 1215, 1279],
      suppressed: 7,
    });
  });

  it('given a bad channel that goes silent, then tick leaves it bad (silence does not make it trustworthy)', () => {
    const { ingest, quality } = setup({ quality: { staleAfterMs: 100 } });
    const nan = frameAt(0, 10);
    nan.samples[1] = NaN;
    ingest.accept(nan);
    ingest.tick(9_999_999);
    expect({ q: ingest.quality('pump-1', 'de'), changes: quality.map((q) => q.to) }).toEqual({ q: 'bad', changes: ['bad'] });
  });
});
