import { calibrateThreshold, type CalibrationResult } from './calibration';
import type { NormalModelParams } from './normalModelParams';
import { fitWhitener, whitenedDistance, type WhitenerOptions } from './whitener';

/** Options of {@link fitNormalModel}. */
export interface FitNormalModelOptions extends WhitenerOptions {
  /** Names of the F features, in vector order. */
  readonly featureNames: readonly string[];
  /**
   * Accepted for API stability with the online learner; the batch fit is deterministic (blocked
   * folds, no sampling), so it does not consume randomness. Recorded nowhere on purpose.
   */
  readonly seed?: number;
  /** Quantile of held-out distances that maps to score 1.0 (default 0.999). */
  readonly quantile?: number;
  /** Number of contiguous calibration folds (default 10, capped at N; N folds = leave-one-out). */
  readonly folds?: number;
  /** Windows the samples came from, if some were dropped before fitting (default N). */
  readonly createdFromWindows?: number;
}

/** Fit result with the audit trail of the calibration. */
export interface NormalModelFitReport {
  readonly params: NormalModelParams;
  readonly calibration: CalibrationResult;
  /** Out-of-fold distance of each sample, in sample order. */
  readonly heldOutDistances: Float64Array;
  /** Ledoit–Wolf shrinkage of the final fit. */
  readonly shrinkage: number;
  /** Features whose scale was floored (near-constant during commissioning). */
  readonly flooredFeatures: readonly string[];
}

/** Smallest commissioning set accepted: each fold must still fit a median and a MAD. */
export const MIN_TRAINING_SAMPLES = 4;

/**
 * Fit the per-asset model of normal from commissioning feature vectors (in time order).
 * Why it matters: this is what makes score 1.0 mean "rarer than 1 in 1000 normal windows",
 * which the alert/danger setpoints in AssetConfig are expressed against.
 */
export function fitNormalModel(samples: Float32Array[], opts: FitNormalModelOptions): NormalModelParams {
  return fitNormalModelReport(samples, opts).params;
}

/**
 * As {@link fitNormalModel}, also returning held-out distances and which calibration bound won.
 *
 * Calibration uses blocked K-fold: samples are split into K contiguous runs and each run is
 * scored by a model fitted on the others. Contiguous, not shuffled, because consecutive windows
 * are strongly correlated: a held-out window's neighbours must be held out with it, or its
 * distance is as optimistic as an in-sample one. See calibrateThreshold for the threshold rule.
 */
export function fitNormalModelReport(samples: Float32Array[], opts: FitNormalModelOptions): NormalModelFitReport {
  const f = opts.featureNames.length;
  const n = samples.length;
  const quantile = opts.quantile ?? 0.999;
  if (f < 1) throw new RangeError('featureNames must not be empty');
  if (new Set(opts.featureNames).size !== f) throw new RangeError('featureNames must be unique');
  if (n < MIN_TRAINING_SAMPLES) throw new RangeError(`need at least ${MIN_TRAINING_SAMPLES} samples, got ${n}`);
  if (!(quantile > 0 && quantile < 1)) throw new RangeError(`quantile must be in (0, 1), got ${quantile}`);
  samples.forEach((s, i) => {
    if (s.length !== f) throw new RangeError(`sample ${i} has ${s.length} values, expected ${f}`);
    for (let j = 0; j < f; j++) if (!Number.isFinite(s[j]!)) throw new RangeError(`sample ${i} feature ${opts.featureNames[j]} is not finite`);
  });

  const k = Math.max(2, Math.min(n, Math.floor(opts.folds ?? 10)));
  const heldOutDistances = new Float64Array(n);
  for (let fold = 0; fold < k; fold++) {
    const start = Math.floor((fold * n) / k);
    const end = Math.floor(((fold + 1) * n) / k);
    const train: number[] = [];
    for (let i = 0; i < n; i++) if (i < start || i >= end) train.push(i);
    const w = fitWhitener(samples, train, f, opts);
    for (let i = start; i < end; i++) heldOutDistances[i] = whitenedDistance(w, samples[i]!, f);
  }
  const calibration = calibrateThreshold(heldOutDistances, f, quantile);

  const all = Array.from({ length: n }, (_, i) => i);
  const final = fitWhitener(samples, all, f, opts);
  const params: NormalModelParams = {
    featureNames: Object.freeze([...opts.featureNames]),
    mean: final.mean,
    scale: final.scale,
    whitening: final.whitening,
    threshold: calibration.threshold,
    nTrain: n,
    createdFromWindows: opts.createdFromWindows ?? n,
    quantile,
  };
  return {
    params,
    calibration,
    heldOutDistances,
    shrinkage: final.shrinkage,
    flooredFeatures: final.flooredFeatures.map((j) => opts.featureNames[j]!),
  };
}
