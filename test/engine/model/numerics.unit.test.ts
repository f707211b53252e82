import { describe, expect, it } from 'vitest';
import { calibrateThreshold } from '../../../engine/model/calibration';
import { chiSquareCdf, chiSquareQuantile } from '../../../engine/model/chiSquare';
import { cholesky, invertLowerTriangular, NotPositiveDefiniteError, quantileSorted } from '../../../engine/model/linalg';
import { ledoitWolfShrinkage } from '../../../engine/model/whitener';
import { mulberry32, normalSampler } from './gaussianData';

describe('chi-square', () => {
  it('matches published quantiles', () => {
    expect(chiSquareQuantile(0.95, 1)).toBeCloseTo(3.841459, 5);
    expect(chiSquareQuantile(0.999, 2)).toBeCloseTo(13.815511, 5);
    expect(chiSquareQuantile(0.999, 14)).toBeCloseTo(36.123274, 4);
    expect(chiSquareQuantile(0.5, 14)).toBeCloseTo(13.339274, 4);
    expect(chiSquareCdf(chiSquareQuantile(0.3, 40), 40)).toBeCloseTo(0.3, 9);
  });
});

describe('linalg', () => {
  it('inverse Cholesky whitens: W A Wᵀ = I', () => {
    const a = Float64Array.from([4, 2, 0.6, 2, 5, 1, 0.6, 1, 3]);
    const w = invertLowerTriangular(cholesky(a, 3), 3);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let v = 0;
        for (let k = 0; k < 3; k++) for (let l = 0; l < 3; l++) v += w[i * 3 + k]! * a[k * 3 + l]! * w[j * 3 + l]!;
        expect(v).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    }
  });

  it('refuses a matrix that is not positive definite', () => {
    expect(() => cholesky(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(NotPositiveDefiniteError);
  });

  it('interpolates quantiles (type 7)', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
  });
});

describe('Ledoit–Wolf', () => {
  it('shrinks fully when the target is the truth, little for correlated data with many samples', () => {
    const g = normalSampler(mulberry32(3));
    const white = Float64Array.from({ length: 5000 * 5 }, () => g());
    expect(ledoitWolfShrinkage(white, 5000, 5)).toBeGreaterThan(0.5);
    // Correlated: x_j = common + 0.3·own, far from the scaled identity target.
    const sample = (n: number, f: number) => {
      const out = new Float64Array(n * f);
      for (let i = 0; i < n; i++) {
        const common = g();
        for (let j = 0; j < f; j++) out[i * f + j] = common + 0.3 * g();
      }
      return out;
    };
    const many = ledoitWolfShrinkage(sample(5000, 5), 5000, 5);
    const few = ledoitWolfShrinkage(sample(6, 5), 6, 5);
    expect(many).toBeLessThan(0.05);
    expect(few).toBeGreaterThan(many);
    expect(few).toBeLessThanOrEqual(1);
  });
});

describe('calibrateThreshold', () => {
  it('given few samples, takes the largest of empirical, held-out max and chi-square tail', () => {
    const r = calibrateThreshold([1, 2, 3, 10], 2, 0.999);
    expect(r.heldOutMax).toBe(10);
    expect(r.threshold).toBe(Math.max(r.empirical, r.heldOutMax, r.chiSquareTail));
  });

  it('given N ≥ 1/(1−q), does not force the held-out max in', () => {
    const g = normalSampler(mulberry32(4));
    const d = Array.from({ length: 2000 }, () => Math.hypot(g(), g()));
    d[0] = 100; // one bad commissioning window
    const r = calibrateThreshold(d, 2, 0.999);
    expect(r.bound).not.toBe('heldOutMax');
    expect(r.threshold).toBeLessThan(10);
  });

  it('rejects invalid input', () => {
    expect(() => calibrateThreshold([], 2, 0.999)).toThrow();
    expect(() => calibrateThreshold([1, Number.NaN], 2, 0.999)).toThrow();
    expect(() => calibrateThreshold([1, 2], 2, 1)).toThrow();
  });
});
