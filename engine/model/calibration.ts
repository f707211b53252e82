import { chiSquareQuantile } from './chiSquare';
import { quantileSorted } from './linalg';

/** Which bound set the threshold. Why recorded: engineers reviewing a model must see why 1.0 sits where it does. */
export type ThresholdBound = 'empirical' | 'heldOutMax' | 'chiSquareTail';

/** Outcome of {@link calibrateThreshold}, with every candidate so the choice can be audited. */
export interface CalibrationResult {
  /** Distance that maps to score 1.0. */
  readonly threshold: number;
  readonly bound: ThresholdBound;
  /** Type-7 quantile of the held-out distances at `quantile`. */
  readonly empirical: number;
  /** Largest held-out distance. */
  readonly heldOutMax: number;
  /** The larger of the two chi-square extrapolations below. */
  readonly chiSquareTail: number;
  /** c such that c·χ²_F matches the held-out d² at its upper quartile (> 1: wider than a perfect Gaussian fit). */
  readonly chiSquareScale: number;
  /** Effective degrees of freedom ν ≤ F of the held-out d² (< F: heavier tail than chi-square(F)). */
  readonly effectiveDof: number;
  readonly quantile: number;
  readonly nHeldOut: number;
}

/** Quantile of held-out d² at which the chi-square(F) reference is matched. */
export const CHI_SQUARE_MATCH_P = 0.75;
/** Quantile pair that fixes the shape (degrees of freedom) of the heavier-tailed reference. */
const SHAPE_MATCH_P = 0.5;
const TAIL_MATCH_P = 0.95;

/**
 * The calibration rule: threshold = max(A, B, C) over held-out (out-of-fold) distances d_i of
 * N samples with F features, target quantile q (0.999):
 *
 * - A, empirical: the type-7 q-quantile of d_i. Alone it is fine only when N ≫ 1/(1−q).
 * - B, held-out max: used while N < 1/(1−q) (1000 at q = 0.999): the sample cannot show the q
 *   tail, and the largest normal window seen must never alarm. Once N ≥ 1/(1−q) the max lies
 *   beyond the q-quantile and is not forced in, so one bad commissioning window cannot
 *   inflate the threshold of a well-sampled asset.
 * - C, chi-square tail, extrapolating to the quantile a few dozen samples cannot reach. If
 *   normal data were Gaussian and the model exact, d² would be χ²_F. It is not exact: with
 *   estimated, shrunk covariance, out-of-fold d² is a weighted sum of χ²₁ terms with a heavier
 *   tail. C is the larger of
 *   (i)  sqrt(c·χ²_F(q)), c = Q_{0.75}(d²)/χ²_F(0.75): scale matched at the upper quartile, and
 *   (ii) sqrt(c'·χ²_ν(q)) with ν ≤ F and c' fitted so that c'·χ²_ν matches the held-out d² at
 *        both its median and its 0.95 quantile: fewer effective degrees of freedom mean a
 *        heavier tail (a robust, quantile-based Satterthwaite match). ν is never above F, so
 *        the tail is never lighter than a chi-square(F); quantiles, not moments, so one bad
 *        commissioning window cannot blow the threshold up (moments did, in a test).
 *   In seeded simulations (F = 14, 30 seeds, N = 30–300, AR(1) ρ up to 0.7) adding (ii) halved
 *   the mean rate of fresh normal windows above 1.0 (N = 60: ≈0.3 % instead of ≈0.6 %).
 *
 * The result is conservative by design: a commissioning set of 30–300 correlated windows
 * under-represents normal variation, and a false trip costs more than a slightly later alert.
 */
export function calibrateThreshold(heldOut: ArrayLike<number>, f: number, quantile: number): CalibrationResult {
  const n = heldOut.length;
  if (n < 1) throw new RangeError('calibration needs at least one held-out distance');
  if (!(quantile > 0 && quantile < 1)) throw new RangeError(`quantile must be in (0, 1), got ${quantile}`);
  const sorted = Float64Array.from(heldOut).sort();
  for (const d of sorted) if (!Number.isFinite(d) || d < 0) throw new RangeError(`held-out distance ${d} is invalid`);

  const empirical = quantileSorted(sorted, quantile);
  const heldOutMax = sorted[n - 1]!;
  const squared = sorted.map((d) => d * d);
  const chiSquareScale = quantileSorted(squared, CHI_SQUARE_MATCH_P) / chiSquareQuantile(CHI_SQUARE_MATCH_P, f);
  const effectiveDof = effectiveDegreesOfFreedom(squared, f);
  const tailScale = quantileSorted(squared, TAIL_MATCH_P) / chiSquareQuantile(TAIL_MATCH_P, effectiveDof);
  const chiSquareTail = Math.max(
    Math.sqrt(chiSquareScale * chiSquareQuantile(quantile, f)),
    Math.sqrt(tailScale * chiSquareQuantile(quantile, effectiveDof)),
  );

  const useMax = n < 1 / (1 - quantile);
  let threshold = empirical;
  let bound: ThresholdBound = 'empirical';
  if (useMax && heldOutMax > threshold) {
    threshold = heldOutMax;
    bound = 'heldOutMax';
  }
  if (chiSquareTail > threshold) {
    threshold = chiSquareTail;
    bound = 'chiSquareTail';
  }
  if (!(threshold > 0)) throw new RangeError('calibration produced a non-positive threshold (all held-out distances zero)');
  return { threshold, bound, empirical, heldOutMax, chiSquareTail, chiSquareScale, effectiveDof, quantile, nHeldOut: n };
}

/**
 * ν in (0, F] such that χ²_ν(0.95)/χ²_ν(0.5) equals the same ratio of the sorted held-out d²
 * (the ratio falls as ν grows, so bisection). F when the data are no heavier-tailed than χ²_F.
 */
function effectiveDegreesOfFreedom(sortedSquared: Float64Array, f: number): number {
  const mid = quantileSorted(sortedSquared, SHAPE_MATCH_P);
  if (!(mid > 0)) return f;
  const target = quantileSorted(sortedSquared, TAIL_MATCH_P) / mid;
  const ratio = (nu: number) => chiSquareQuantile(TAIL_MATCH_P, nu) / chiSquareQuantile(SHAPE_MATCH_P, nu);
  if (target <= ratio(f)) return f;
  let lo = 0.05;
  let hi = f;
  if (target >= ratio(lo)) return lo;
  for (let i = 0; i < 40; i++) {
    const nu = 0.5 * (lo + hi);
    if (ratio(nu) > target) lo = nu;
    else hi = nu;
  }
  return 0.5 * (lo + hi);
}
