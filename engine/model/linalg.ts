/**
 * Small dense linear algebra on row-major Float64Array matrices, for fitting the model of normal.
 * Sizes are tiny (F ≈ 10–50 features), so plain loops beat any dependency; float64 keeps the
 * Cholesky factor of a nearly singular covariance honest before it is narrowed to float32 for ONNX.
 */

/** Thrown when a matrix that must be symmetric positive definite is not (fit inputs are degenerate). */
export class NotPositiveDefiniteError extends Error {
  /** Why: callers can tell a numerical failure from a programming error and report the pivot. */
  constructor(readonly pivot: number, readonly value: number) {
    super(`matrix is not positive definite: pivot ${pivot} = ${value}`);
    this.name = 'NotPositiveDefiniteError';
  }
}

/**
 * Lower Cholesky factor L of a symmetric positive definite n×n matrix (A = L Lᵀ). Why: the
 * whitening matrix is L⁻¹, which turns ||L⁻¹ z||² into the Mahalanobis distance zᵀ A⁻¹ z without
 * ever forming A⁻¹ (better conditioned, and triangular).
 */
export function cholesky(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(sum > 0) || !Number.isFinite(sum)) throw new NotPositiveDefiniteError(i, sum);
        l[i * n + i] = Math.sqrt(sum);
      } else {
        l[i * n + j] = sum / l[j * n + j]!;
      }
    }
  }
  return l;
}

/**
 * Inverse of a lower-triangular n×n matrix (itself lower-triangular), by forward substitution.
 * Why: the whitening matrix W = L⁻¹ must be materialised as an ONNX initializer.
 */
export function invertLowerTriangular(l: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  for (let col = 0; col < n; col++) {
    for (let i = col; i < n; i++) {
      let sum = i === col ? 1 : 0;
      for (let k = col; k < i; k++) sum -= l[i * n + k]! * inv[k * n + col]!;
      inv[i * n + col] = sum / l[i * n + i]!;
    }
  }
  return inv;
}

/** Transpose of a rows×cols row-major matrix. Why: ONNX MatMul multiplies row vectors by Wᵀ. */
export function transpose(m: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c]!;
  return t;
}

/**
 * Median of the values (copy sorted; input untouched). Why: the robust centre of a feature must
 * not move when one commissioning window carries a transient.
 */
export function median(values: ArrayLike<number>): number {
  return quantileSorted(Float64Array.from(values).sort(), 0.5);
}

/**
 * Quantile of an ascending-sorted array with linear interpolation between order statistics
 * (Hyndman–Fan type 7, the common default). Why: one definition shared by scale and calibration.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantile of an empty array');
  const h = (n - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo]!;
  return a + (h - lo) * (sorted[hi]! - a);
}
