import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SNAPSHOT_POST_MS,
  DEFAULT_SNAPSHOT_PRE_MS,
  MAX_FILLING_SNAPSHOTS,
  WaveformRecorder,
  type WaveformRecorderOptions,
  type WaveformSnapshot,
} from '../../../engine/incident/WaveformRecorder';

/** An epoch start, so the float rounding of real timestamps is part of every test. */
const T0 = 1_700_000_000_000;

/** Samples whose value is their index in the stream: a snapshot's contents say exactly where it was cut. */
const ramp = (from: number, to: number): Float32Array => Float32Array.from({ length: to - from }, (_, i) => from + i);

/**
 * Feeds a recorder contiguous ramp frames of `frameLen` samples at `rateHz`, starting at T0.
 * `push(k)` feeds k frames and returns every snapshot they returned.
 */
function feeder(rec: WaveformRecorder, rateHz: number, frameLen: number) {
  let next = 0;
  const timeOf = (index: number): number => T0 + (index * 1000) / rateHz;
  return {
    timeOf,
    get next() {
      return next;
    },
    push(frames = 1): WaveformSnapshot[] {
      const out: WaveformSnapshot[] = [];
      for (let k = 0; k < frames; k++) {
        out.push(...rec.push(timeOf(next), ramp(next, next + frameLen), 29.5));
        next += frameLen;
      }
      return out;
    },
  };
}

/**
 * 1000 Hz (one sample per ms), 50 ms before and 30 ms after the trigger; frames of 20 samples with
 * a 40-sample maximum, so the history (50 + 40) holds a trigger up to 40 samples behind the newest.
 */
const KHZ: WaveformRecorderOptions = { assetId: 'pump-1', channelId: 'de_accel', sampleRateHz: 1000, preMs: 50, postMs: 30, maxFrameSamples: 40 };

/** The snapshot a 1 kHz recorder should return for a trigger at sample `at` with samples [first, end). */
function expected(over: Partial<WaveformSnapshot> & { first: number; end: number; at: number }): WaveformSnapshot {
  const { first, end, at, ...rest } = over;
  return {
    incidentId: 'inc-1',
    assetId: 'pump-1',
    channelId: 'de_accel',
    trigger: 'alert',
    triggerMs: T0 + at,
    startMs: T0 + first,
    sampleRateHz: 1000,
    shaftHz: 29.5,
    preSamples: at - first,
    samples: ramp(first, end),
    complete: true,
    ...rest,
  };
}

describe('WaveformRecorder', () => {
  it('exports the engine defaults: 5 s before and 5 s after', () => {
    expect([DEFAULT_SNAPSHOT_PRE_MS, DEFAULT_SNAPSHOT_POST_MS]).toEqual([5000, 5000]);
  });

  it('given 12 kHz frames with epoch timestamps, when a trigger falls inside the newest frame, then the pre part ends exactly at the trigger sample and the post part fills from later frames', () => {
    const rec = new WaveformRecorder({ assetId: 'pump-1', channelId: 'de_accel', sampleRateHz: 12_000, preMs: 10, postMs: 5, maxFrameSamples: 48 });
    const feed = feeder(rec, 12_000, 48);
    expect(feed.push(10)).toEqual([]); // samples 0 … 479
    rec.trigger('inc-1', 'trip', feed.timeOf(470));
    expect(feed.push(1)).toEqual([]); // 480 … 527: the post part needs up to 529
    const [snap, ...more] = feed.push(1);
    expect(more).toEqual([]);
    expect(snap).toEqual({
      incidentId: 'inc-1',
      assetId: 'pump-1',
      channelId: 'de_accel',
      trigger: 'trip',
      triggerMs: feed.timeOf(470),
      startMs: expect.closeTo(feed.timeOf(350), 3),
      sampleRateHz: 12_000,
      shaftHz: 29.5,
      preSamples: 120,
      samples: ramp(350, 530),
      complete: true,
    });
  });

  it('given a trigger between two sample times, then the trigger sample is the first one after it', () => {
    const rec = new WaveformRecorder(KHZ);
    const feed = feeder(rec, 1000, 20);
    feed.push(10);
    rec.trigger('inc-1', 'alert', T0 + 170.4);
    expect(feed.push(1)).toEqual([expected({ first: 121, end: 201, at: 171, triggerMs: T0 + 170.4 })]);
  });

  it('given a trigger before the newest samples (the window ended before later frames arrived), then the samples already held after it count toward the post part and the snapshot comes with the next push', () => {
    const rec = new WaveformRecorder(KHZ);
    const feed = feeder(rec, 1000, 20);
    feed.push(10); // 0 … 199
    rec.trigger('inc-1', 'alert', T0 + 170); // post part 170 … 199 is already held
    expect(feed.push(1)).toEqual([expected({ first: 120, end: 200, at: 170 })]);
    expect(rec.stats()).toMatchObject({ completed: 1, cutShort: 0 });
  });

  it('given an alert and then a trip within the post span, then each snapshot is cut around its own trigger', () => {
    const rec = new WaveformRecorder(KHZ);
    const feed = feeder(rec, 1000, 20);
    feed.push(8); // 0 … 159
    rec.trigger('inc-1', 'alert', T0 + 155); // needs up to 184
    expect(feed.push(1)).toEqual([]); // 160 … 179
    rec.trigger('inc-1', 'trip', T0 + 175); // needs up to 204
    expect(feed.push(1)).toEqual([expected({ first: 105, end: 185, at: 155 })]); // 180 … 199
    expect(feed.push(1)).toEqual([expected({ first: 125, end: 205, at: 175, trigger: 'trip' })]); // 200 … 219
  });

  it('given a gap in the data while a snapshot fills, then it is returned cut short and the history restarts after the gap', () => {
    const rec = new WaveformRecorder(KHZ);
    const feed = feeder(rec, 1000, 20);
    feed.push(10); // 0 … 199
    rec.trigger('inc-1', 'trip', T0 + 195); // needs up to 224
    expect(feed.push(1)).toEqual([]); // 200 … 219
    const afterGap = rec.push(T0 + 400, ramp(400, 420), 29.5);
    expect(afterGap).toEqual([expected({ first: 145, end: 220, at: 195, trigger: 'trip', complete: false })]);
    expect(rec.stats()).toMatchObject({ gaps: 1, cutShort: 1 });
    expect(rec.heldSamples).toBe(20);

    rec.trigger('inc-2', 'alert', T0 + 410); // only 400 … 409 precede it since the gap
    const next = rec.push(T0 + 420, ramp(420, 440), 29.5);
    expect(next).toEqual([expected({ incidentId: 'inc-2', first: 400, end: 440, at: 410 })]);
  });

  it('given start times jittering within the ingest tolerance, then frames stay contiguous and the trigger is placed from the newest frame', () => {
    const rec = new WaveformRecorder(KHZ);
    rec.push(T0, ramp(0, 20), 29.5);
    rec.push(T0 + 20.6, ramp(20, 40), 29.5); // 0.6 ms late: jitter, not a gap
    rec.trigger('inc-1', 'alert', T0 + 30.6); // sample 30 of the jittered frame
    expect(rec.push(T0 + 40.6, ramp(40, 60), 29.5)).toEqual([expected({ first: 0, end: 60, at: 30, triggerMs: T0 + 30.6, startMs: T0 + 0.6 })]);
    expect(rec.stats().gaps).toBe(0);
  });

  it('given a frame that starts before the previous one ended (beyond the tolerance), then it is treated as a discontinuity, not stitched on', () => {
    const rec = new WaveformRecorder(KHZ);
    const feed = feeder(rec, 1000, 20);
    feed.push(3);
    rec.push(T0 + 10, ramp(1000, 1020), 29.5);
    expect(rec.stats().gaps).toBe(1);
    expect(rec.heldSamples).toBe(20);
  });

  it('given snapshots still filling at shutdown, then drain returns them cut short with what they hold, and nothing twice', () => {
    const rec = new WaveformRecorder(KHZ);
    const feed = feeder(rec, 1000, 20);
    feed.push(10);
    rec.trigger('inc-1', 'alert', T0 + 190);
    rec.trigger('inc-1', 'trip', T0 + 165); // already complete, waiting for a push
    expect(rec.drain()).toEqual([
      expected({ first: 115, end: 195, at: 165, trigger: 'trip' }),
      expected({ first: 140, end: 200, at: 190, complete: false }),
    ]);
    expect(rec.drain()).toEqual([]);
    expect(feed.push(2)).toEqual([]);
    expect(rec.stats()).toMatchObject({ completed: 1, cutShort: 1 });
  });

  it('given a trigger before any frame, then the first frames place it; drained before any frame, it comes back empty and cut short', () => {
    const rec = new WaveformRecorder(KHZ);
    rec.trigger('inc-1', 'alert', T0 + 5);
    const feed = feeder(rec, 1000, 20);
    expect(feed.push(1)).toEqual([]);
    expect(feed.push(1)).toEqual([expected({ first: 0, end: 35, at: 5 })]);

    const idle = new WaveformRecorder(KHZ);
    idle.trigger('inc-9', 'trip', T0);
    expect(idle.drain()).toEqual([
      { incidentId: 'inc-9', assetId: 'pump-1', channelId: 'de_accel', trigger: 'trip', triggerMs: T0, startMs: T0, sampleRateHz: 1000, shaftHz: null, preSamples: 0, samples: new Float32Array(0), complete: false },
    ]);
  });

  it('given a trigger older than the history held, then the snapshot starts at the oldest sample held, has no pre part and is not complete', () => {
    const rec = new WaveformRecorder(KHZ); // history: 50 + 40 samples
    const feed = feeder(rec, 1000, 20);
    feed.push(50); // 0 … 999, history 910 … 999
    rec.trigger('inc-1', 'alert', T0 + 905);
    expect(feed.push(1)).toEqual([expected({ first: 910, end: 935, at: 905, preSamples: 0, complete: false })]);
  });

  it('given more triggers than may fill at once, then the oldest is superseded: returned cut short with the next push', () => {
    const rec = new WaveformRecorder(KHZ);
    const feed = feeder(rec, 1000, 20);
    feed.push(10);
    for (let i = 0; i <= MAX_FILLING_SNAPSHOTS; i++) rec.trigger(`inc-${i}`, 'alert', T0 + 195);
    const [first, ...rest] = feed.push(1);
    expect(first).toEqual(expected({ incidentId: 'inc-0', first: 145, end: 200, at: 195, complete: false }));
    expect(rest).toEqual([]);
    expect(feed.push(1).map((s) => [s.incidentId, s.complete, s.samples.length])).toEqual(
      Array.from({ length: MAX_FILLING_SNAPSHOTS }, (_, i) => [`inc-${i + 1}`, true, 80]),
    );
  });

  it('given the same incident and kind triggered twice, then the first moment is kept and the second is counted', () => {
    const rec = new WaveformRecorder(KHZ);
    const feed = feeder(rec, 1000, 20);
    feed.push(10);
    rec.trigger('inc-1', 'alert', T0 + 190);
    rec.trigger('inc-1', 'alert', T0 + 199);
    expect(feed.push(2)).toEqual([expected({ first: 140, end: 220, at: 190 })]);
    expect(rec.stats().duplicateTriggers).toBe(1);
  });

  it('given a frame larger than the whole history, then its newest part is kept and snapshots stay aligned', () => {
    const rec = new WaveformRecorder(KHZ);
    rec.push(T0, ramp(0, 500), 29.5);
    expect(rec.heldSamples).toBe(90);
    rec.trigger('inc-1', 'alert', T0 + 480);
    expect(rec.push(T0 + 500, ramp(500, 520), 29.5)).toEqual([expected({ first: 430, end: 510, at: 480 })]);
  });

  it('given 10^5 frames with a trigger every 1000, then the history never grows past its capacity, memory returns to the history buffer alone, empty results are one shared array, and every snapshot is exact', () => {
    const rec = new WaveformRecorder(KHZ);
    const baseline = rec.memoryBytes();
    expect(baseline).toBe((50 + 40 + 40) * 4);
    const frame = new Float32Array(20); // reused by the caller: the recorder must copy
    const empty = rec.push(T0 - 1000, new Float32Array(0), null); // the shared empty result
    let snapshots = 0;
    let maxHeld = 0;
    let otherEmpty = 0;
    for (let k = 0; k < 100_000; k++) {
      const first = k * 20;
      for (let i = 0; i < 20; i++) frame[i] = (first + i) % 1_000_000;
      const got = rec.push(T0 + first, frame, 29.5);
      maxHeld = Math.max(maxHeld, rec.heldSamples);
      if (got.length === 0) {
        if (got !== empty) otherEmpty++;
      } else {
        for (const s of got) {
          const at = (s.triggerMs - T0) - s.preSamples;
          expect(s.samples).toEqual(Float32Array.from(ramp(at, at + 80), (v) => v % 1_000_000));
          snapshots++;
        }
      }
      if (k % 1000 === 500) rec.trigger(`inc-${k}`, 'alert', T0 + first + 7);
    }
    expect([snapshots, otherEmpty]).toEqual([100, 0]);
    expect(maxHeld).toBe(rec.historyCapacitySamples);
    expect(rec.heldSamples).toBe(90);
    expect(rec.memoryBytes()).toBe(baseline);
    expect(rec.stats()).toMatchObject({ frames: 100_000, gaps: 0, completed: 100, cutShort: 0 });
  });

  it('given bad frames and triggers on the hot path, then they are counted and ignored, never thrown, and the stream stays contiguous', () => {
    const rec = new WaveformRecorder(KHZ);
    const feed = feeder(rec, 1000, 20);
    feed.push(5);
    expect(rec.push(Number.NaN, ramp(0, 20), null)).toEqual([]);
    expect(rec.push(Number.POSITIVE_INFINITY, ramp(0, 20), null)).toEqual([]);
    expect(rec.push(T0 + 100, new Float32Array(0), null)).toEqual([]);
    rec.trigger('inc-1', 'alert', Number.NaN);
    rec.trigger('', 'alert', T0 + 90);
    rec.trigger('inc-1', 'estop' as never, T0 + 90);
    feed.push(1);
    expect(rec.stats()).toEqual({ frames: 6, ignoredFrames: 3, gaps: 0, ignoredTriggers: 3, duplicateTriggers: 0, completed: 0, cutShort: 0 });
    expect(rec.drain()).toEqual([]);
  });

  it('refuses a configuration it cannot record, naming the option', () => {
    const make = (over: Partial<WaveformRecorderOptions>) => () => new WaveformRecorder({ ...KHZ, ...over });
    expect(make({ preMs: 60_001 })).toThrow(/pump-1\/de_accel: preMs must be finite, in \[0, 60000\] ms, got 60001/);
    expect(make({ postMs: Number.NaN })).toThrow(/postMs must be finite/);
    expect(make({ postMs: 0.1 })).toThrow(/postMs must span at least one sample/);
    expect(make({ sampleRateHz: 0 })).toThrow(/sampleRateHz must be finite and positive, got 0/);
    expect(make({ channelId: '' })).toThrow(/channelId must be a non-empty string/);
    expect(make({ maxFrameSamples: 1.5 })).toThrow(/maxFrameSamples must be an integer/);
    expect(make({ sampleRateHz: 1_000_000, preMs: 60_000, postMs: 60_000 })).toThrow(/at most 8388608 samples/);
    expect(make({ timing: { toleranceMs: -1, gapPeriods: 1.5 } })).toThrow(/timing.toleranceMs/);
  });
});
