import type { NormalModelParams } from './normalModelParams';
import { whitenedDistance } from './whitener';

/**
 * Score a vector in plain float64 TypeScript: ||W (x − mean)/scale|| / threshold. Why: the
 * executable specification the ONNX graph is tested against (they must agree to ~1e-5), and a
 * fallback for tools that cannot load the native runtime. Not used on the hot path.
 */
export function scoreReference(params: NormalModelParams, vec: ArrayLike<number>): number {
  const f = params.featureNames.length;
  if (vec.length !== f) throw new RangeError(`feature vector has ${vec.length} values, expected ${f}`);
  for (let j = 0; j < f; j++) {
    if (!Number.isFinite(vec[j]!)) throw new RangeError(`feature ${params.featureNames[j]} is not finite (${vec[j]})`);
  }
  return whitenedDistance(params, vec, f) / params.threshold;
}

/**
 * Per-feature standardised values (x − mean)/scale, matching the ONNX output `z`. Why: diagnosis
 * and explanations name the features that moved, in units of their normal spread.
 */
export function standardiseReference(params: NormalModelParams, vec: ArrayLike<number>): Float64Array {
  const f = params.featureNames.length;
  const z = new Float64Array(f);
  for (let j = 0; j < f; j++) z[j] = (vec[j]! - params.mean[j]!) / params.scale[j]!;
  return z;
}
