import { describe, expect, it } from 'vitest';
import { fitNormalModel, fitNormalModelReport } from '../../../engine/model/normalModel';
import { paramsFromJSON, paramsToJSON } from '../../../engine/model/normalModelParams';
import { scoreReference, standardiseReference } from '../../../engine/model/referenceScorer';
import { featureNames, syntheticMachine } from './gaussianData';

const F = 14;
const names = featureNames(F);

function fractionAbove(params: Parameters<typeof scoreReference>[0], xs: Float32Array[], level: number): number {
  return xs.filter((x) => scoreReference(params, x) > level).length / xs.length;
}

describe('fitNormalModel calibration', () => {
  it('given N=60 correlated Gaussian windows, when fresh normal windows are scored, then at most ~1% exceed 1.0', () => {
    let above = 0;
    let total = 0;
    for (let s = 0; s < 5; s++) {
      const machine = syntheticMachine(F, 10 + s);
      const params = fitNormalModel(machine.sample(60, 100 + s), { featureNames: names });
      const fresh = machine.sample(4000, 200 + s);
      above += fractionAbove(params, fresh, 1) * fresh.length;
      total += fresh.length;
    }
    expect(above / total).toBeLessThanOrEqual(0.01);
  });

  // With F = 14 the 0.999 boundary lies ≈ 6 marginal σ out (√χ²₁₄(0.999) ≈ 6.0), so one feature at
  // +4σ is borderline by design; three at once must clear it in nearly every window.
  it('given a fitted model, when 3 features shift by +4σ, then scores are well above 1', () => {
    const machine = syntheticMachine(F, 11);
    const params = fitNormalModel(machine.sample(60, 101), { featureNames: names });
    const shifted = machine.sample(500, 301).map((x) => {
      const y = Float32Array.from(x);
      for (const j of [2, 7, 11]) y[j] = y[j]! + 4 * machine.sigma[j]!;
      return y;
    });
    const scores = shifted.map((x) => scoreReference(params, x)).sort((a, b) => a - b);
    expect(scores[Math.floor(scores.length / 2)]).toBeGreaterThan(1.3);
    expect(fractionAbove(params, shifted, 1)).toBeGreaterThan(0.95);
  });

  it('given few samples, then the threshold is never below the held-out max nor the chi-square tail', () => {
    const machine = syntheticMachine(F, 12);
    const report = fitNormalModelReport(machine.sample(30, 102), { featureNames: names });
    const c = report.calibration;
    expect(report.params.threshold).toBe(c.threshold);
    expect(c.threshold).toBeGreaterThanOrEqual(c.heldOutMax);
    expect(c.threshold).toBeGreaterThanOrEqual(c.chiSquareTail);
    expect(c.threshold).toBeGreaterThanOrEqual(c.empirical);
    expect(Math.max(...report.heldOutDistances)).toBe(c.heldOutMax);
    expect(report.params.nTrain).toBe(30);
    expect(report.params.createdFromWindows).toBe(30);
    expect(report.params.quantile).toBe(0.999);
  });

  it('given a constant feature, when it jitters by float noise, then the score does not blow up', () => {
    const machine = syntheticMachine(F, 13);
    const train = machine.sample(60, 103).map((x) => {
      const y = Float32Array.from(x);
      y[4] = 5;
      y[9] = 0;
      return y;
    });
    const report = fitNormalModelReport(train, { featureNames: names });
    expect(report.flooredFeatures).toEqual(['f4', 'f9']);
    const x = Float32Array.from(train[0]!);
    const base = scoreReference(report.params, x);
    x[4] = 5.00001;
    x[9] = 1e-7;
    expect(Math.abs(scoreReference(report.params, x) - base)).toBeLessThan(0.01);
    expect(Number.isFinite(base)).toBe(true);
    // A real move of the frozen feature (20 % of its level) still stands out.
    x[4] = 6;
    expect(scoreReference(report.params, x)).toBeGreaterThan(1);
  });

  it('given the same inputs, when fitted twice, then the params are identical and inputs untouched', () => {
    const machine = syntheticMachine(F, 14);
    const train = machine.sample(40, 104, 0.5);
    const copy = train.map((x) => Float32Array.from(x));
    const a = fitNormalModel(train, { featureNames: names, seed: 1 });
    const b = fitNormalModel(train, { featureNames: names, seed: 1 });
    expect(paramsToJSON(a)).toEqual(paramsToJSON(b));
    expect(train).toEqual(copy);
  });

  it('rejects bad fit input with a clear message', () => {
    const machine = syntheticMachine(F, 15);
    const train = machine.sample(20, 105);
    expect(() => fitNormalModel(train.slice(0, 3), { featureNames: names })).toThrow(/at least 4 samples/);
    expect(() => fitNormalModel(train, { featureNames: names.slice(1) })).toThrow(/expected 13/);
    expect(() => fitNormalModel(train, { featureNames: [...names.slice(1), 'f1'] })).toThrow(/unique/);
    const bad = train.map((x) => Float32Array.from(x));
    bad[3]![2] = Number.NaN;
    expect(() => fitNormalModel(bad, { featureNames: names })).toThrow(/sample 3 feature f2 is not finite/);
  });

  it('fits when N ≤ F thanks to shrinkage', () => {
    const machine = syntheticMachine(F, 16);
    const params = fitNormalModel(machine.sample(8, 106), { featureNames: names });
    expect(Number.isFinite(scoreReference(params, machine.sample(1, 206)[0]!))).toBe(true);
  });
});

describe('params JSON', () => {
  it('round-trips without changing any score', () => {
    const machine = syntheticMachine(F, 17);
    const params = fitNormalModel(machine.sample(50, 107), { featureNames: names });
    const back = paramsFromJSON(JSON.parse(JSON.stringify(paramsToJSON(params))));
    expect(paramsToJSON(back)).toEqual(paramsToJSON(params));
    for (const x of machine.sample(20, 207)) expect(scoreReference(back, x)).toBe(scoreReference(params, x));
  });

  it('rejects inconsistent JSON', () => {
    const machine = syntheticMachine(F, 18);
    const json = paramsToJSON(fitNormalModel(machine.sample(50, 108), { featureNames: names }));
    expect(() => paramsFromJSON({ ...json, whitening: json.whitening.slice(1) })).toThrow(/whitening/);
    expect(() => paramsFromJSON({ ...json, scale: json.scale.map(() => 0) })).toThrow();
    expect(() => paramsFromJSON({ ...json, threshold: Number.NaN })).toThrow();
  });
});

describe('scoreReference', () => {
  it('rejects wrong-length and non-finite vectors', () => {
    const machine = syntheticMachine(F, 19);
    const params = fitNormalModel(machine.sample(30, 109), { featureNames: names });
    expect(() => scoreReference(params, new Float32Array(F - 1))).toThrow(/expected 14/);
    const x = Float32Array.from(machine.sample(1, 209)[0]!);
    x[5] = Number.POSITIVE_INFINITY;
    expect(() => scoreReference(params, x)).toThrow(/f5 is not finite/);
  });

  it('standardises each feature against its centre and scale', () => {
    const machine = syntheticMachine(F, 20);
    const params = fitNormalModel(machine.sample(30, 110), { featureNames: names });
    const z = standardiseReference(params, params.mean);
    expect(Array.from(z)).toEqual(new Array(F).fill(0));
  });
});
