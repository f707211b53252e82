import { describe, expect, it } from 'vitest';
import {
  NAB_PROFILES,
  nabProbationRows,
  normaliseNabScore,
  optimiseThreshold,
  scaledSigmoid,
  scoreSeries,
  type NabProfile,
  type NabScoredSeries,
} from '../../../engine/evaluate/nabScore';

const [STANDARD, LOW_FP, LOW_FN] = NAB_PROFILES as [NabProfile, NabProfile, NabProfile];
const MAX_TP = 2 / (1 + Math.exp(-5)) - 1; // scaledSigmoid(−1) ≈ 0.98661

/** 100 rows (probation 15), one window on rows 40…49 (width 10); detections (score 1) on the given rows. */
function series(detections: number[], rows = 100, windows = [{ startRow: 40, endRow: 49 }]): NabScoredSeries {
  const scores = new Float64Array(rows);
  for (const r of detections) scores[r] = 1;
  return { name: 'test.csv', scores, windows };
}

const raw = (s: NabScoredSeries, p: NabProfile = STANDARD): number => scoreSeries(s, p, 0.5).score;

describe('NAB scoring rules', () => {
  it('probation is min(floor(0.15 N), 750) rows', () => {
    expect([nabProbationRows(100), nabProbationRows(1127), nabProbationRows(4032), nabProbationRows(22695)]).toEqual([15, 169, 604, 750]);
  });

  it('the scaled sigmoid is ≈ +0.987 at the left edge, 0 at the right edge, −1 from 3 window widths after', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 5);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.84828, 5);
    expect(scaledSigmoid(3)).toBe(-1);
    expect(scaledSigmoid(1)).toBeCloseTo(-0.98661, 5);
  });

  it('a detection at the start of a window earns the full A_TP (0.987 normalised to 1)', () => {
    expect(raw(series([40]))).toBeCloseTo(1, 12);
  });

  it('a detection on the last row of a window earns σ(−1/width)/0.987: NAB\'s "+1" keeps it just above 0', () => {
    expect(raw(series([49]))).toBeCloseTo(scaledSigmoid(-1 / 10) / MAX_TP, 12);
    const wide = series([1999], 3000, [{ startRow: 1000, endRow: 1999 }]);
    expect(raw(wide)).toBeGreaterThan(0);
    expect(raw(wide)).toBeLessThan(0.003);
  });

  it('only the first detection in a window counts', () => {
    expect(raw(series([40, 45, 49]))).toBeCloseTo(raw(series([40])), 12);
    expect(raw(series([45, 49]))).toBeCloseTo(scaledSigmoid(-5 / 10) / MAX_TP, 12);
  });

  it('a false positive far after a window costs −A_FP; just after it costs little (distance / (width − 1))', () => {
    expect(raw(series([40, 99]))).toBeCloseTo(1 - 0.11, 12);
    expect(raw(series([40, 50]))).toBeCloseTo(1 + 0.11 * scaledSigmoid(1 / 9), 12);
    expect(raw(series([40, 50]))).toBeGreaterThan(1 - 0.11 / 2);
    expect(raw(series([40, 99]), LOW_FP)).toBeCloseTo(1 - 0.22, 12);
  });

  it('a false positive before the first window costs the full −A_FP', () => {
    expect(raw(series([20, 40]))).toBeCloseTo(1 - 0.11, 12);
    expect(raw(series([39, 40]))).toBeCloseTo(1 - 0.11, 12);
  });

  it('a missed window costs −A_FN (2 under reward_low_FN)', () => {
    expect(scoreSeries(series([]), STANDARD, 0.5)).toEqual({ score: -1, detectedWindows: 0, missedWindows: 1, falsePositives: 0 });
    expect(raw(series([]), LOW_FN)).toBe(-2);
  });

  it('rows inside the probation period are ignored', () => {
    expect(scoreSeries(series([0, 5, 14]), STANDARD, 0.5)).toEqual({ score: -1, detectedWindows: 0, missedWindows: 1, falsePositives: 0 });
    expect(scoreSeries(series([15]), STANDARD, 0.5).falsePositives).toBe(1);
  });

  it('a series without windows scores only its false positives', () => {
    expect(scoreSeries(series([50, 60], 100, []), STANDARD, 0.5)).toEqual({ score: -0.22, detectedWindows: 0, missedWindows: 0, falsePositives: 2 });
  });

  it('the null detector normalises to 0 and the perfect detector to 100, under every profile', () => {
    const two = { startRow: 30, endRow: 39 };
    const three = { startRow: 60, endRow: 79 };
    for (const p of NAB_PROFILES) {
      const none = [series([], 100, [two, three]), series([])];
      const perfect = [series([30, 60], 100, [two, three]), series([40])];
      const nullChoice = optimiseThreshold(none, p);
      const perfectChoice = optimiseThreshold(perfect, p);
      expect(nullChoice.windows).toBe(3);
      expect(normaliseNabScore(nullChoice.score, nullChoice.windows, p)).toBeCloseTo(0, 10);
      expect(normaliseNabScore(perfectChoice.score, perfectChoice.windows, p)).toBeCloseTo(100, 10);
    }
  });

  it('the threshold search picks the best observed score value over the whole corpus', () => {
    const scores = new Float64Array(100);
    scores[20] = 0.9; // a false positive before the window
    scores[40] = 0.6; // a detection at the window start
    for (let r = 80; r < 100; r++) scores[r] = 0.3; // twenty false positives far after it
    const s: NabScoredSeries = { name: 'a.csv', scores, windows: [{ startRow: 40, endRow: 49 }] };
    const choice = optimiseThreshold([s], STANDARD);
    expect(choice).toEqual({ profile: 'standard', threshold: 0.6, score: expect.closeTo(0.89, 12), detectedWindows: 1, missedWindows: 0, falsePositives: 1, windows: 1 });
    expect(scoreSeries(s, STANDARD, 0.9).score).toBeCloseTo(-1.11, 12);
    expect(scoreSeries(s, STANDARD, 0.3).score).toBeCloseTo(0.89 - 2.2, 12);
    expect(normaliseNabScore(choice.score, choice.windows, STANDARD)).toBeCloseTo(94.5, 10);
  });

  it('when nothing beats silence the search returns 1.1, NAB\'s "never fires"', () => {
    const scores = new Float64Array(100);
    scores[20] = 0.9;
    const choice = optimiseThreshold([{ name: 'a.csv', scores, windows: [{ startRow: 40, endRow: 49 }] }], STANDARD);
    expect(choice.threshold).toBe(1.1);
    expect(choice.score).toBe(-1);
  });

  it('windows that overlap or fall outside the series are refused, naming the series', () => {
    expect(() => scoreSeries(series([], 100, [{ startRow: 90, endRow: 120 }]), STANDARD, 0.5)).toThrow(/test\.csv/);
    expect(() => scoreSeries(series([], 100, [{ startRow: 40, endRow: 49 }, { startRow: 45, endRow: 60 }]), STANDARD, 0.5)).toThrow(/overlap/);
  });
});
