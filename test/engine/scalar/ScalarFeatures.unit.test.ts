import { describe, expect, it } from 'vitest';
import { SCALAR_FEATURE_NAMES, ScalarFeatures } from '../../../engine/scalar/ScalarFeatures';
import { AnomalyLikelihood, gaussianTail } from '../../../engine/scalar/AnomalyLikelihood';

const HOUR_MS = 3_600_000;

function run(rows: Array<[number, number]>): number[][] {
  const f = new ScalarFeatures();
  const out = new Float32Array(f.size);
  return rows.map(([t, v]) => Array.from(f.push(t, v, out)));
}

describe('ScalarFeatures', () => {
  it('computes value, delta, deviation from the previous fast level, volatility, trend and the daily phase', () => {
    expect(SCALAR_FEATURE_NAMES).toEqual(['value', 'delta', 'deviation', 'volatility', 'trend', 'daySin', 'dayCos']);
    const [r0, r1, r2] = run([[0, 1], [6 * HOUR_MS, 3], [12 * HOUR_MS, 2]]);
    const expected = [
      [1, 0, 0, 0, 0, 0, 1],
      // fast 1 → 1.4, slow 1 → 1.02, volatility 0 → 0.2, phase π/2
      [3, 2, 2, 0.2, 0.38, 1, 0],
      // deviation 2 − 1.4; volatility 0.2 + 0.1·(1 − 0.2); fast 1.52, slow 1.0298; phase π
      [2, -1, 0.6, 0.28, 0.4902, 0, -1],
    ];
    for (const [got, want] of [[r0, expected[0]], [r1, expected[1]], [r2, expected[2]]] as const) {
      want!.forEach((w, i) => expect(got![i]).toBeCloseTo(w, 5));
    }
  });

  it('seasonal: the fast level minus the fast level one period earlier, 0 (and not ready) until a period has passed', () => {
    const f = new ScalarFeatures({ fastAlpha: 1, phase: false, seasonal: true, periodMs: HOUR_MS });
    expect(f.names).toEqual(['value', 'delta', 'deviation', 'volatility', 'trend', 'seasonal']);
    const out = new Float32Array(f.size);
    const got: Array<[number, boolean]> = [];
    for (const [t, v] of [[0, 0], [0.5, 0], [1, 10], [1.5, 10], [2.25, 4]] as const) {
      f.push(t * HOUR_MS, v, out);
      got.push([out[5]!, f.ready]);
    }
    // At 2.25 h the level one period earlier is the row at 1.0 h (the latest at or before 1.25 h).
    expect(got).toEqual([[0, false], [0, false], [10, true], [10, true], [-6, true]]);
  });

  it('is incremental and deterministic: the same rows give the same vectors, row by row', () => {
    const rows: Array<[number, number]> = Array.from({ length: 50 }, (_, i) => [i * 300_000, Math.sin(i / 3) * 10 + (i % 7)]);
    expect(run(rows)).toEqual(run(rows));
    expect(run(rows.slice(0, 20))).toEqual(run(rows).slice(0, 20));
  });

  it('refuses non-finite values and a wrong output length, naming the row', () => {
    const f = new ScalarFeatures();
    expect(() => f.push(0, NaN, new Float32Array(f.size))).toThrow(/row 0/);
    expect(() => f.push(0, 1, new Float32Array(3))).toThrow(/length 3/);
    expect(() => new ScalarFeatures({ fastAlpha: 0 })).toThrow(/fastAlpha/);
  });
});

describe('AnomalyLikelihood', () => {
  it('gaussianTail matches the normal upper tail, deep into it', () => {
    expect(gaussianTail(0)).toBeCloseTo(0.5, 7);
    expect(gaussianTail(1.959964)).toBeCloseTo(0.025, 6);
    expect(gaussianTail(-1.959964)).toBeCloseTo(0.975, 6);
    expect(gaussianTail(5) / 2.866516e-7).toBeCloseTo(1, 5);
  });

  it('says nothing until it has a history, then reports a jump as a tail near 1e-10 and ordinary scores near 0', () => {
    const l = new AnomalyLikelihood({ shortRows: 1, historyRows: 500, minHistoryRows: 100 });
    const ordinary: number[] = [];
    for (let i = 0; i < 300; i++) ordinary.push(l.update(0.2 + 0.05 * Math.sin(i)));
    expect(ordinary.slice(0, 100).every((s) => s === 0)).toBe(true);
    expect(Math.max(...ordinary.slice(100))).toBeLessThan(0.2);
    expect(l.update(0.9)).toBe(1);
  });
});
