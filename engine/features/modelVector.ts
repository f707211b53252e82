import type { FeatureSet } from '../contract/features';

/** Smallest amplitude distinguished from zero before taking logs (1 µg): keeps log10 finite on dead channels. */
const TINY = 1e-6;

/**
 * Names of the anomaly model's input features, in vector order. The order is part of the model:
 * a model trained on one order must never score a vector built in another, so only append.
 *
 * Amplitudes are log10-scaled because vibration levels are multiplicative (a fault doubles a line, it
 * does not add 0.1 g), which makes their commissioning spread roughly Gaussian for a Mahalanobis
 * model. Envelope defect lines are taken relative to the envelope floor, so a change of overall level
 * (load, gain) does not read as a bearing fault. The demodulation band is left out: the kurtogram's
 * choice jumps between bands on healthy data and would only add noise.
 */
export const FEATURE_NAMES = [
  'log10_rms_g',
  'crest',
  'log10_kurtosis_raw',
  'skewness',
  'log10_velocity_rms_mm_s',
  'log10_order1_g',
  'log10_order2_g',
  'log10_order3_g',
  'log10_env_floor_g',
  'log10_env_bpfo_rel',
  'log10_env_bpfi_rel',
  'log10_env_bsf_rel',
  'log10_env_ftf_rel',
] as const;

/** Name of one model feature. */
export type FeatureName = (typeof FEATURE_NAMES)[number];

const lg = (x: number): number => Math.log10(Math.max(x, TINY));

/**
 * The model vector of a FeatureSet, written into `out` when given (no allocation on the hot path).
 * Kurtosis enters as log10 of the raw (non-excess) kurtosis, which is ≥ 1 for any signal: impacts
 * push it from ~3 to 10–30 and the log keeps that tail from dominating the covariance.
 */
export function toModelVector(fs: FeatureSet, out: Float32Array = new Float32Array(FEATURE_NAMES.length)): Float32Array {
  if (out.length < FEATURE_NAMES.length) throw new Error(`model vector needs ${FEATURE_NAMES.length} slots, got ${out.length}`);
  const e = fs.envelope;
  const floor = Math.max(e.floorG, TINY);
  out[0] = lg(fs.rmsG);
  out[1] = fs.crest;
  out[2] = Math.log10(Math.max(fs.kurtosis + 3, 1));
  out[3] = fs.skewness;
  out[4] = lg(fs.velocityRmsMmS);
  out[5] = lg(fs.order1G);
  out[6] = lg(fs.order2G);
  out[7] = lg(fs.order3G);
  out[8] = lg(e.floorG);
  out[9] = lg(e.bpfoG / floor);
  out[10] = lg(e.bpfiG / floor);
  out[11] = lg(e.bsfG / floor);
  out[12] = lg(e.ftfG / floor);
  return out;
}
