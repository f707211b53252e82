import { cholesky, invertLowerTriangular, median } from './linalg';

/**
 * Robust standardisation plus a shrinkage-regularised whitening, fitted on a subset of samples.
 * Why its own unit: the final model and every calibration fold must be fitted the same way, or
 * held-out distances would not describe the model that ships.
 */
export interface Whitener {
  readonly mean: Float64Array;
  readonly scale: Float64Array;
  /** F×F row-major, lower-triangular (inverse Cholesky factor of the shrunk covariance). */
  readonly whitening: Float64Array;
  /** Ledoit–Wolf shrinkage intensity actually used, in [minShrinkage, 1]. */
  readonly shrinkage: number;
  /** Features whose robust scale fell below the floor (near-constant in commissioning). */
  readonly flooredFeatures: readonly number[];
}

/** Knobs of {@link fitWhitener}; defaults are documented where they are applied. */
export interface WhitenerOptions {
  /** Scale floor relative to |centre| (default 0.01: deviations under 1 % of the level are noise). */
  readonly relScaleFloor?: number;
  /** Absolute scale floor in feature units (default 1e-6, for features centred at 0). */
  readonly absScaleFloor?: number;
  /** Lower bound on shrinkage (default 0.01) so a rank-deficient covariance still factorises. */
  readonly minShrinkage?: number;
}

const MAD_TO_SIGMA = 1.482602218505602;

/**
 * Fit centre, scale and whitening on `rows` of `samples` (all length f).
 *
 * - centre: per-feature median; scale: 1.4826·MAD, floored at max(rel·|centre|, abs). The floor
 *   stops a feature that never moved during commissioning from turning float jitter into alarms.
 * - covariance S of z = (x − centre)/scale, taken about the robust centre (slightly conservative
 *   when median ≠ mean). Its diagonal is raised to at least (floor/scale)², i.e. no feature is
 *   believed to vary less than its floor — otherwise whitening would undo the scale floor.
 * - Ledoit–Wolf (2004) shrinkage towards μI (μ = tr S / F): optimal in Frobenius risk, needs no
 *   tuning, and stays positive definite when N ≤ F, which commissioning with 30 windows can hit.
 */
export function fitWhitener(
  samples: readonly Float32Array[],
  rows: readonly number[],
  f: number,
  opts: WhitenerOptions = {},
): Whitener {
  const n = rows.length;
  if (n < 2) throw new RangeError(`need at least 2 samples to fit, got ${n}`);
  const relFloor = opts.relScaleFloor ?? 0.01;
  const absFloor = opts.absScaleFloor ?? 1e-6;
  const minShrinkage = opts.minShrinkage ?? 0.01;

  const mean = new Float64Array(f);
  const scale = new Float64Array(f);
  const varFloor = new Float64Array(f);
  const flooredFeatures: number[] = [];
  const column = new Float64Array(n);
  for (let j = 0; j < f; j++) {
    for (let i = 0; i < n; i++) column[i] = samples[rows[i]!]![j]!;
    const centre = median(column);
    for (let i = 0; i < n; i++) column[i] = Math.abs(column[i]! - centre);
    const robust = MAD_TO_SIGMA * median(column);
    const floor = Math.max(relFloor * Math.abs(centre), absFloor);
    mean[j] = centre;
    scale[j] = Math.max(robust, floor);
    if (robust < floor) flooredFeatures.push(j);
    varFloor[j] = (floor / scale[j]!) ** 2;
  }

  // Standardised data, row-major n×f.
  const z = new Float64Array(n * f);
  for (let i = 0; i < n; i++) {
    const x = samples[rows[i]!]!;
    for (let j = 0; j < f; j++) z[i * f + j] = (x[j]! - mean[j]!) / scale[j]!;
  }

  const shrinkage = Math.min(1, Math.max(minShrinkage, ledoitWolfShrinkage(z, n, f)));
  const cov = new Float64Array(f * f);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < f; a++) {
      const za = z[i * f + a]!;
      for (let b = 0; b <= a; b++) cov[a * f + b] = cov[a * f + b]! + za * z[i * f + b]!;
    }
  }
  let trace = 0;
  for (let a = 0; a < f; a++) {
    for (let b = 0; b <= a; b++) {
      const v = cov[a * f + b]! / n;
      cov[a * f + b] = v;
      cov[b * f + a] = v;
    }
    cov[a * f + a] = Math.max(cov[a * f + a]!, varFloor[a]!);
    trace += cov[a * f + a]!;
  }
  const mu = trace / f;
  for (let a = 0; a < f; a++) {
    for (let b = 0; b < f; b++) cov[a * f + b] = (1 - shrinkage) * cov[a * f + b]! + (a === b ? shrinkage * mu : 0);
  }
  const whitening = invertLowerTriangular(cholesky(cov, f), f);
  return { mean, scale, whitening, shrinkage, flooredFeatures };
}

/**
 * Ledoit–Wolf shrinkage intensity for data already centred (row-major n×f), as in Ledoit & Wolf
 * (2004) and scikit-learn's `ledoit_wolf_shrinkage`. Why exported: tests pin it against known cases.
 */
export function ledoitWolfShrinkage(z: Float64Array, n: number, f: number): number {
  const s = new Float64Array(f * f);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < f; a++) {
      const za = z[i * f + a]!;
      for (let b = 0; b < f; b++) s[a * f + b] = s[a * f + b]! + za * z[i * f + b]!;
    }
  }
  for (let k = 0; k < f * f; k++) s[k] = s[k]! / n;
  let mu = 0;
  for (let a = 0; a < f; a++) mu += s[a * f + a]!;
  mu /= f;
  // delta = ||S − μI||²_F / f ; beta = (1/n²) Σ_i ||z_i z_iᵀ − S||²_F / f, capped at delta.
  let delta = 0;
  for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) delta += (s[a * f + b]! - (a === b ? mu : 0)) ** 2;
  delta /= f;
  let beta = 0;
  for (let i = 0; i < n; i++) {
    let sq = 0;
    for (let a = 0; a < f; a++) {
      const za = z[i * f + a]!;
      for (let b = 0; b < f; b++) sq += (za * z[i * f + b]! - s[a * f + b]!) ** 2;
    }
    beta += sq;
  }
  beta /= n * n * f;
  if (delta <= 0) return 1;
  return Math.min(beta, delta) / delta;
}

/**
 * Whitened distance ||W (x − mean)/scale|| in float64. Why here: folds score held-out samples
 * with exactly the arithmetic the model uses, and the reference scorer reuses it.
 */
export function whitenedDistance(w: Pick<Whitener, 'mean' | 'scale' | 'whitening'>, x: ArrayLike<number>, f: number): number {
  let sum = 0;
  for (let r = 0; r < f; r++) {
    let acc = 0;
    for (let c = 0; c < f; c++) acc += w.whitening[r * f + c]! * ((x[c]! - w.mean[c]!) / w.scale[c]!);
    sum += acc * acc;
  }
  return Math.sqrt(sum);
}
