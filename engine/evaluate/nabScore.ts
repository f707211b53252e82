/**
 * The Numenta Anomaly Benchmark scoring rules (NAB v1.x sweeper and runner), as pure functions.
 *
 * Why a port rather than a loose approximation: a NAB number is only comparable with the published
 * scoreboard if every rule matches, including the odd ones: the in-window position is
 * `−(right − i + 1) / width` (so the right edge scores a little above 0), a false positive's distance
 * after a window is divided by `width − 1`, a relative position ≥ 3 costs the full −A_FP, only the
 * best (= earliest) detection of a window counts, and rows inside the probation period are dropped
 * before anything is counted. The threshold is swept over every observed score value, as NAB's
 * optimiser does, and normalisation uses the null (never fires) and perfect (fires at the start of
 * each window) detectors.
 */

/** A NAB application profile: the weights of a true positive, a false positive and a missed window. */
export interface NabProfile {
  readonly name: NabProfileName;
  readonly tpWeight: number;
  readonly fpWeight: number;
  readonly fnWeight: number;
}

/** Profile keys as written to scores.json. */
export type NabProfileName = 'standard' | 'reward_low_fp' | 'reward_low_fn';

/** The three published profiles (NAB config/profiles.json). */
export const NAB_PROFILES: readonly NabProfile[] = [
  { name: 'standard', tpWeight: 1.0, fpWeight: 0.11, fnWeight: 1.0 },
  { name: 'reward_low_fp', tpWeight: 1.0, fpWeight: 0.22, fnWeight: 1.0 },
  { name: 'reward_low_fn', tpWeight: 1.0, fpWeight: 0.11, fnWeight: 2.0 },
];

/** A labelled window as row indices of its series, both inclusive. */
export interface NabWindowRows {
  readonly startRow: number;
  readonly endRow: number;
}

/** One series as the scorer sees it: a score in [0,1] per row and its labelled windows in time order. */
export interface NabScoredSeries {
  readonly name: string;
  readonly scores: ArrayLike<number>;
  readonly windows: readonly NabWindowRows[];
}

/** Row marker for rows inside the probation period (never scored). */
export const PROBATION = -2;
/** Row marker for rows outside every window. */
export const OUTSIDE = -1;

/** Rows at the start of a series that are a learning period and never scored: min(⌊0.15·N⌋, 750). */
export function nabProbationRows(rows: number): number {
  return Math.min(Math.floor(0.15 * rows), 0.15 * 5000);
}

/**
 * NAB's scaled sigmoid: +0.987 at relative position −1 (a window's left edge), 0 at 0 (its right
 * edge), about −0.987 at +1 and exactly −1 from +3 on (far after a window).
 */
export function scaledSigmoid(relativePosition: number): number {
  if (relativePosition >= 3) return -1;
  return 2 / (1 + Math.exp(5 * relativePosition)) - 1;
}

/** What a detection on each row would earn under one profile, and which window (if any) it belongs to. */
export interface NabSweep {
  /** Weighted score of a detection on the row (positive in a window, negative outside). */
  readonly weight: Float64Array;
  /** Window index in the series, {@link OUTSIDE}, or {@link PROBATION}. */
  readonly window: Int32Array;
}

/**
 * The per-row credit of a detection (NAB `calcSweepScore`). Why per row and not per detection:
 * the threshold search then only sorts and accumulates, so sweeping hundreds of thousands of
 * thresholds over the corpus costs one sort.
 */
export function sweepSeries(rows: number, windows: readonly NabWindowRows[], profile: NabProfile): NabSweep {
  const weight = new Float64Array(rows);
  const window = new Int32Array(rows).fill(OUTSIDE);
  const maxTp = scaledSigmoid(-1);
  const probation = nabProbationRows(rows);
  let prevRight = -1;
  let prevWidth = 0;
  let w = 0;
  for (let i = 0; i < rows; i++) {
    const cur = windows[w];
    if (cur && i >= cur.startRow && i <= cur.endRow) {
      const width = cur.endRow - cur.startRow + 1;
      weight[i] = (scaledSigmoid(-(cur.endRow - i + 1) / width) * profile.tpWeight) / maxTp;
      window[i] = w;
      if (i === cur.endRow) {
        prevRight = i;
        prevWidth = width;
        w++;
      }
    } else {
      const position = prevRight < 0 ? 3 : Math.abs(prevRight - i) / (prevWidth - 1);
      weight[i] = scaledSigmoid(position) * profile.fpWeight;
    }
    if (i < probation) window[i] = PROBATION;
  }
  return { weight, window };
}

/** Counts and raw score of one series or of the corpus at one threshold. */
export interface NabTally {
  /** Raw NAB score: Σ best TP credit per window, −A_FN per missed window, Σ FP costs. */
  score: number;
  /** Windows with at least one detection. */
  detectedWindows: number;
  /** Windows without any detection. */
  missedWindows: number;
  /** Detections outside every window (after probation). */
  falsePositives: number;
}

function checkWindows(series: NabScoredSeries): void {
  let prevEnd = -1;
  for (const win of series.windows) {
    if (!(win.startRow > prevEnd && win.endRow >= win.startRow && win.endRow < series.scores.length)) {
      throw new RangeError(`${series.name}: window rows [${win.startRow}, ${win.endRow}] overlap, are reversed or lie outside ${series.scores.length} rows`);
    }
    prevEnd = win.endRow;
  }
}

/** Number of windows that NAB scores in a series: those with at least one row after probation. */
export function scorableWindows(series: NabScoredSeries): number {
  const probation = nabProbationRows(series.scores.length);
  return series.windows.filter((w) => w.endRow >= probation).length;
}

/** Raw score of one series at a fixed threshold (a row with score ≥ threshold is a detection). */
export function scoreSeries(series: NabScoredSeries, profile: NabProfile, threshold: number): NabTally {
  checkWindows(series);
  const { weight, window } = sweepSeries(series.scores.length, series.windows, profile);
  const best = new Map<number, number>();
  let fpScore = 0;
  let falsePositives = 0;
  for (let i = 0; i < weight.length; i++) {
    const wi = window[i]!;
    if (wi === PROBATION || !(series.scores[i]! >= threshold)) continue;
    if (wi === OUTSIDE) {
      fpScore += weight[i]!;
      falsePositives++;
    } else {
      best.set(wi, Math.max(best.get(wi) ?? -Infinity, weight[i]!));
    }
  }
  const windows = scorableWindows(series);
  let tpScore = 0;
  for (const v of best.values()) tpScore += v;
  const missed = windows - best.size;
  return { score: tpScore + fpScore - missed * profile.fnWeight, detectedWindows: best.size, missedWindows: missed, falsePositives };
}

/** The corpus-wide optimum of one profile. */
export interface NabThresholdChoice extends NabTally {
  readonly profile: NabProfileName;
  /** The chosen threshold (1.1, NAB's "nothing fires", when no threshold beats silence). */
  readonly threshold: number;
  /** Scorable windows in the corpus. */
  readonly windows: number;
}

/**
 * NAB's optimiser: one threshold for the whole corpus, chosen among the observed score values to
 * maximise the profile's summed raw score. Why sweep all values: that is what the benchmark allows
 * a detector and what the scoreboard entries had, so anything coarser would under-report.
 * Ties keep the higher threshold.
 */
export function optimiseThreshold(corpus: readonly NabScoredSeries[], profile: NabProfile): NabThresholdChoice {
  let total = 0;
  for (const s of corpus) {
    checkWindows(s);
    total += s.scores.length;
  }
  const score = new Float64Array(total);
  const weight = new Float64Array(total);
  const windowId = new Int32Array(total);
  let n = 0;
  let windows = 0;
  for (const s of corpus) {
    const sweep = sweepSeries(s.scores.length, s.windows, profile);
    for (let i = 0; i < s.scores.length; i++) {
      const wi = sweep.window[i]!;
      if (wi === PROBATION) continue;
      score[n] = s.scores[i]!;
      weight[n] = sweep.weight[i]!;
      windowId[n] = wi === OUTSIDE ? OUTSIDE : windows + wi;
      n++;
    }
    windows += scorableWindows(s);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[b]! - score[a]!);
  const best = new Float64Array(windows).fill(-profile.fnWeight);
  let current = -profile.fnWeight * windows;
  let detected = 0;
  let falsePositives = 0;
  let choice = { threshold: 1.1, score: current, detected, falsePositives };
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const wi = windowId[i]!;
    if (wi === OUTSIDE) {
      current += weight[i]!;
      falsePositives++;
    } else {
      if (best[wi] === -profile.fnWeight) detected++;
      if (weight[i]! > best[wi]!) {
        current += weight[i]! - best[wi]!;
        best[wi] = weight[i]!;
      }
    }
    const next = order[k + 1];
    const thresholdEnds = next === undefined || score[next]! !== score[i]!;
    if (thresholdEnds && current > choice.score) choice = { threshold: score[i]!, score: current, detected, falsePositives };
  }
  return {
    profile: profile.name,
    threshold: choice.threshold,
    score: choice.score,
    detectedWindows: choice.detected,
    missedWindows: windows - choice.detected,
    falsePositives: choice.falsePositives,
    windows,
  };
}

/**
 * 100·(S − S_null)/(S_perfect − S_null) with S_null = −A_FN·W (never fires) and
 * S_perfect = A_TP·W (fires once at the start of every window), W = scorable windows.
 */
export function normaliseNabScore(rawScore: number, windows: number, profile: NabProfile): number {
  const nullScore = -profile.fnWeight * windows;
  const perfectScore = profile.tpWeight * windows;
  return (100 * (rawScore - nullScore)) / (perfectScore - nullScore);
}
