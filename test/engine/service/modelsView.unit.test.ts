import { describe, expect, it } from 'vitest';
import { compareScores } from '../../../engine/service/modelsView';

describe('compareScores: production beside the shadow on the same windows', () => {
  it('given scores of both on four windows, then it summarises each and their difference, counting scores at or above alert', () => {
    const r = compareScores([1000, 2000, 3000, 4000], [0.5, 1.5, 0.25, 1], Float32Array.from([0.25, 0.75, 0.25, 1]), 1);
    expect(r).toEqual({
      windows: 4,
      fromMs: 1000,
      toMs: 4000,
      production: { meanScore: 0.8125, maxScore: 1.5, aboveAlert: 2 },
      shadow: { meanScore: 0.5625, maxScore: 1, aboveAlert: 1 },
      meanAbsDifference: 0.25,
      maxAbsDifference: 0.75,
    });
  });

  it('given a window either model could not score (NaN), then it is left out; given none left, then there is no comparison', () => {
    expect(compareScores([1000, 2000, 3000], [Number.NaN, 0.5, 0.5], [0.5, Number.NaN, 0.75], 1)).toEqual({
      windows: 1,
      fromMs: 3000,
      toMs: 3000,
      production: { meanScore: 0.5, maxScore: 0.5, aboveAlert: 0 },
      shadow: { meanScore: 0.75, maxScore: 0.75, aboveAlert: 0 },
      meanAbsDifference: 0.25,
      maxAbsDifference: 0.25,
    });
    expect(compareScores([1000], [Number.NaN], [0.5], 1)).toBeNull();
    expect(compareScores([], [], [], 1)).toBeNull();
  });
});
