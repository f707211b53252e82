import { beforeAll, describe, expect, it } from 'vitest';
import type { FeatureSet } from '../../../engine/contract/features';
import { FEATURE_NAMES, FeatureCache, FeatureExtractor, initDsp, SKF_6205_CWRU, toModelVector } from '../../../engine/features';

function fs(assetId: string, channelId: string, endMs: number): FeatureSet {
  return {
    assetId,
    channelId,
    endMs,
    shaftHz: 30,
    rmsG: 0.1,
    peakG: 0.4,
    crest: 4,
    kurtosis: 0,
    skewness: 0,
    velocityRmsMmS: 1,
    order1G: 0.01,
    order2G: 0.001,
    order3G: 0,
    envelope: { bandLowHz: 2000, bandHighHz: 4000, bpfoG: 0.02, bpfiG: 0.01, bsfG: 0.01, ftfG: 0.01, floorG: 0.002 },
  };
}

describe('FeatureCache', () => {
  it('keeps the latest and a bounded history per channel, oldest first', () => {
    const c = new FeatureCache(3);
    for (let t = 1; t <= 5; t++) c.push(fs('a', 'x', t));
    c.push(fs('a', 'y', 100));
    expect(c.latest('a', 'x')?.endMs).toBe(5);
    expect(c.history('a', 'x').map((f) => f.endMs)).toEqual([3, 4, 5]);
    expect(c.history('a', 'x', 2).map((f) => f.endMs)).toEqual([4, 5]);
    expect(c.history('a', 'y').map((f) => f.endMs)).toEqual([100]);
    expect(c.latest('b', 'x')).toBeUndefined();
    expect(c.history('b', 'x')).toEqual([]);
  });

  it('refuses a non-positive history length', () => {
    expect(() => new FeatureCache(0)).toThrow();
  });
});

describe('toModelVector', () => {
  it('has one finite value per FEATURE_NAME, log-scaling amplitudes and defect lines over the floor', () => {
    const v = toModelVector(fs('a', 'x', 1));
    expect(v.length).toBe(FEATURE_NAMES.length);
    expect([...v].every(Number.isFinite)).toBe(true);
    expect(v[FEATURE_NAMES.indexOf('log10_env_bpfo_rel')]).toBeCloseTo(1, 5);
    expect(v[FEATURE_NAMES.indexOf('log10_kurtosis_raw')]).toBeCloseTo(Math.log10(3), 5);
    expect(v[FEATURE_NAMES.indexOf('log10_order3_g')]).toBe(-6);
  });

  it('writes into a caller buffer without allocating', () => {
    const out = new Float32Array(FEATURE_NAMES.length);
    expect(toModelVector(fs('a', 'x', 1), out)).toBe(out);
  });
});

describe('FeatureExtractor', () => {
  beforeAll(async () => {
    await initDsp();
  });

  it('rejects windows of the wrong length and non-positive speed', () => {
    const ex = new FeatureExtractor({ assetId: 'a', channelId: 'x', sampleRateHz: 12000, windowSize: 1024, bearing: SKF_6205_CWRU });
    expect(() => ex.extract(new Float32Array(512), 0, 30)).toThrow(/1024/);
    expect(() => ex.extract(new Float32Array(1024), 0, 0)).toThrow(/shaftHz/);
    ex.dispose();
  });
});
