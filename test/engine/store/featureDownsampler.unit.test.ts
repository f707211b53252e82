import { describe, expect, it } from 'vitest';
import { FeatureDownsampler } from '../../../engine/store/featureDownsampler';
import type { FeatureHistoryRow } from '../../../engine/store/records';

const row = (tS: number, score: number | null, velocityMmS: number | null, channelId = 'de_accel', assetId = 'pump-1'): FeatureHistoryRow => ({
  assetId, channelId, tS, score, velocityMmS,
});

describe('FeatureDownsampler', () => {
  it('keeps the maximum of each value per second, so a one-window spike survives', () => {
    const ds = new FeatureDownsampler();
    // given windows of one second, a spike in the middle, velocity not measured in some windows
    const during = [
      ds.push('pump-1', 'de_accel', 5_000, 0.2, null),
      ds.push('pump-1', 'de_accel', 5_170, 4.5, 1.25),
      ds.push('pump-1', 'de_accel', 5_340, 0.1, NaN),
      ds.push('pump-1', 'de_accel', 5_999.9, 0.3, 0.5),
    ];
    // when the next second starts, then the completed second is returned, with the maxima
    const closed = ds.push('pump-1', 'de_accel', 6_000, null, null);
    expect(during.map((r) => r.length)).toEqual([0, 0, 0, 0]);
    expect(closed).toEqual([row(5, 4.5, 1.25)]);
    expect(ds.flush()).toEqual([row(6, null, null)]); // nothing measured: nulls, not zeros
  });

  it('keeps negative values and treats null and NaN alike as "not measured"', () => {
    const ds = new FeatureDownsampler();
    ds.push('pump-1', 'de_accel', -1_500, -3, NaN);
    ds.push('pump-1', 'de_accel', -1_400, null, -2);
    ds.push('pump-1', 'de_accel', -1_300, -4, null);
    expect(ds.flush()).toEqual([row(-2, -3, -2)]); // floor: -1.5 s belongs to second -2
  });

  it('closes each channel on its own next second, and a channel that falls silent after maxLagS', () => {
    const ds = new FeatureDownsampler({ maxLagS: 2 });
    ds.push('pump-1', 'de_accel', 10_100, 1, 1);
    ds.push('pump-1', 'fan_accel', 10_900, 2, 2);
    ds.push('pump-2', 'de_accel', 10_500, 3, 3);
    expect(ds.push('pump-1', 'de_accel', 11_100, 5, 5)).toEqual([row(10, 1, 1)]);
    expect(ds.push('pump-1', 'fan_accel', 11_200, 6, 6)).toEqual([row(10, 2, 2, 'fan_accel')]);
    // fan_accel falls silent at second 11; de_accel runs on; pump-2 has its own clock.
    expect(ds.push('pump-1', 'de_accel', 12_000, 7, 7)).toEqual([row(11, 5, 5)]);
    expect(ds.push('pump-1', 'de_accel', 13_000, 8, 8)).toEqual([row(12, 7, 7)]);
    expect(ds.push('pump-1', 'de_accel', 14_000, 9, 9)).toEqual([row(13, 8, 8), row(11, 6, 6, 'fan_accel')]);
    expect(ds.flush()).toEqual([row(14, 9, 9), row(10, 3, 3, 'de_accel', 'pump-2')]);
    expect(ds.flush()).toEqual([]);
  });

  it('drops and counts a push for a second already completed, rather than overwrite its maximum', () => {
    const ds = new FeatureDownsampler();
    ds.push('pump-1', 'de_accel', 1_000, 9, 9);
    expect(ds.push('pump-1', 'de_accel', 2_000, 1, 1)).toEqual([row(1, 9, 9)]);
    expect(ds.push('pump-1', 'de_accel', 1_900, 0.5, 0.5)).toEqual([]); // second 1 is written already
    expect(ds.flush()).toEqual([row(2, 1, 1)]);
    expect(ds.push('pump-1', 'de_accel', 2_500, 3, 3)).toEqual([]); // flushed seconds are complete too
    expect(ds.push('pump-1', 'de_accel', 3_000, 4, 4)).toEqual([]);
    expect(ds.latePushes).toBe(2);
    expect(ds.flush()).toEqual([row(3, 4, 4)]);
    expect(() => ds.push('pump-1', 'de_accel', NaN, 1, 1)).toThrow(RangeError);
  });

  it('allocates no result array for a push that completes nothing', () => {
    const ds = new FeatureDownsampler();
    const results = [0, 100, 200, 300].map((ms) => ds.push('pump-1', 'de_accel', 7_000 + ms, ms, ms));
    expect(new Set(results).size).toBe(1); // one shared, frozen empty array
    expect(Object.isFrozen(results[0])).toBe(true);
  });
});
