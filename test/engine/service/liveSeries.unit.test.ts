import { describe, expect, it } from 'vitest';
import { decimateMinMax, peakHold, roundSeries, roundValue } from '../../../engine/service/liveSeries';
import { TrendRing } from '../../../engine/service/TrendRing';

describe('live view series', () => {
  it('given a long waveform with one spike, when decimated to 2000 points, then the spike and the minimum are kept at their indices, in order, and the input is untouched', () => {
    const x = new Float32Array(10_000).map((_, i) => Math.sin(i / 50) * 0.1);
    x[4321] = 5;
    x[777] = -3;
    const copy = x.slice();
    const d = decimateMinMax(x, 2000);
    expect(d.index.length).toBeLessThanOrEqual(2000);
    expect(d.value.length).toBe(d.index.length);
    expect(d.value[d.index.indexOf(4321)]).toBe(5);
    expect(d.value[d.index.indexOf(777)]).toBe(-3);
    expect(d.index.every((v, k) => k === 0 || v > d.index[k - 1]!)).toBe(true);
    expect(x).toEqual(copy);
    // A short one passes through whole; non-finite samples are skipped.
    expect(decimateMinMax([1, Number.NaN, 3], 2000)).toEqual({ index: [0, 2], value: [1, 3] });
  });

  it('given 2047 spectrum bins and a line in one bin, when peak-held to 2000 values, then pairs are held and the line keeps its height at the centre of its pair', () => {
    const amp = new Float64Array(2049).fill(0.001);
    amp[481] = 0.5; // 481 × 3.125 Hz = 1503.125 Hz
    const p = peakHold(amp, 3.125, 2, 2049, 2000);
    expect({ startHz: p.startHz, stepHz: p.stepHz, length: p.values.length }).toEqual({ startHz: 7.8125, stepHz: 6.25, length: 1024 });
    const k = p.values.indexOf(0.5);
    expect(Math.abs(p.startHz + k * p.stepHz - 481 * 3.125)).toBeLessThanOrEqual(3.125 / 2);
    expect(peakHold(amp, 3.125, 2, 300, 2000)).toMatchObject({ startHz: 6.25, stepHz: 3.125 });
  });

  it('given values over several decades, then they are rounded to 4 significant digits of the largest (never beyond the units), and non-finite ones are 0 (series) or null (single values)', () => {
    expect(roundSeries([0.123456, 0.0000123, -0.0456789, Number.NaN])).toEqual([0.1235, 0, -0.0457, 0]);
    expect(roundSeries([1234.5678, 1.23456])).toEqual([1235, 1]);
    expect([roundValue(0.000123456), roundValue(98765.4), roundValue(Number.NaN), roundValue(null), roundValue(0)]).toEqual([0.0001235, 98765, null, null, 0]);
  });
});

describe('TrendRing', () => {
  it('given windows every 80 ms for ten minutes, then it keeps the last capacity buckets, each the largest value of its windows, NaN only where no window had one', () => {
    const ring = new TrendRing(250, 1200);
    const t0 = 1_800_000_000_000;
    for (let i = 0; i < 7500; i++) {
      const t = t0 + i * 80;
      const score = i < 100 ? Number.NaN : i === 7000 ? 9 : 0.5;
      ring.push(t, score, 1 + (i % 3) * 0.1);
    }
    expect(ring.size).toBe(1200);
    const live = ring.toLive();
    expect(live.tMs).toHaveLength(1200);
    expect(live.tMs.at(-1)).toBe(Math.floor((t0 + 7499 * 80) / 250) * 250);
    expect(live.tMs.every((t, k) => k === 0 || t - live.tMs[k - 1]! === 250 || t - live.tMs[k - 1]! === 500)).toBe(true);
    // The peak window's bucket shows the peak; the other buckets the steady value, the velocity's largest.
    const peakAt = Math.floor((t0 + 7000 * 80) / 250) * 250;
    expect(live.score[live.tMs.indexOf(peakAt)]).toBe(9);
    expect(live.score.filter((s) => s === 9)).toHaveLength(1);
    expect(live.score.every((s) => s === 0.5 || s === 9)).toBe(true);
    expect(live.velocityMmS.every((v) => v === 1.2 || v === 1.1)).toBe(true);
  });

  it('given unscored windows, then their buckets are null, a scored window in the same bucket wins, and a window older than the current bucket is ignored', () => {
    const ring = new TrendRing(1000, 10);
    ring.push(0, Number.NaN, Number.NaN);
    ring.push(1000, Number.NaN, 2);
    ring.push(1500, 0.7, Number.NaN);
    ring.push(500, 99, 99);
    expect(ring.toLive()).toEqual({ bucketMs: 1000, tMs: [0, 1000], score: [null, 0.7], velocityMmS: [null, 2] });
  });
});
