import { describe, expect, it } from 'vitest';
import { Rng } from '../../../engine/ingest/rng';
import { ScalarDetector, type ScalarDetectorOptions } from '../../../engine/scalar/ScalarDetector';
import { autoencoderFit } from '../../../engine/scalar/scalarNabDetector';

const ROW_MS = 900_000;
const PROBATION = 300;

/** A daily sine (amplitude 10) with seeded unit noise, 15-minute rows; `shiftFrom` adds a sustained level shift of +100. */
function stream(rows: number, shiftFrom = Infinity): Array<[number, number]> {
  const rng = new Rng(7);
  return Array.from({ length: rows }, (_, i) => [i * ROW_MS, 50 + 10 * Math.sin((2 * Math.PI * i) / 96) + rng.gaussian() + (i >= shiftFrom ? 100 : 0)]);
}

const FIRE_LEVEL = 0.4;
const options = (seed: number): ScalarDetectorOptions => ({ seed, probationRows: PROBATION, fit: autoencoderFit([16, 8], 3), refractoryRows: 50, fireLevel: FIRE_LEVEL, features: { seasonal: true } });

function scores(rows: Array<[number, number]>, seed = 3): number[] {
  const d = new ScalarDetector(options(seed));
  return rows.map(([t, v]) => d.step(t, v));
}

describe('ScalarDetector on AutoencoderLearner', () => {
  it('is deterministic for a seed: two runs give the same scores, all in [0,1], 0 during probation', () => {
    const rows = stream(600);
    const a = scores(rows);
    expect(scores(rows)).toEqual(a);
    expect(a.every((s) => s >= 0 && s <= 1)).toBe(true);
    expect(a.slice(0, PROBATION).every((s) => s === 0)).toBe(true);
  });

  it('is online: appending future rows does not change any earlier score', () => {
    const rows = stream(700, 600);
    expect(scores(rows).slice(0, 500)).toEqual(scores(rows.slice(0, 500)));
  });

  it('does not learn a sustained anomaly as normal: every shifted row scores ≥ 1 and is never learned', () => {
    const d = new ScalarDetector(options(3));
    const steps = stream(900, 600).map(([t, v]) => d.stepDetail(t, v));
    const shifted = steps.slice(600);
    expect(shifted.every((s) => s.learnerScore >= 1 && !s.learned)).toBe(true);
    expect(shifted[shifted.length - 1]!.learnerScore).toBeGreaterThan(1.2);
    // Before the shift the stream is normal: it is learned and scores well below the edge.
    const normal = steps.slice(PROBATION, 600);
    expect(normal.filter((s) => s.learned).length).toBeGreaterThan(0.95 * normal.length);
  });

  it('reports the onset of the shift once, then stays below the fire level for the refractory period', () => {
    const s = scores(stream(900, 600));
    const fired = s.map((v, i) => (v >= FIRE_LEVEL ? i : -1)).filter((i) => i >= 600);
    expect(fired[0]).toBeLessThan(605);
    expect(fired.filter((i) => i <= fired[0]! + 50)).toEqual([fired[0]]);
  });
});
