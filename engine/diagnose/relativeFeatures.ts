import type { FeatureSet } from '../contract/features';

/**
 * The quantities diagnosis compares with the commissioning baseline, in a fixed order. Envelope
 * defect amplitudes are taken relative to the envelope floor so that a change of overall level
 * (load, sensor gain, the demodulation band chosen) is not mistaken for a defect line.
 */
export const DIAG_FEATURES = [
  'env_bpfo_rel',
  'env_bpfi_rel',
  'env_bsf_rel',
  'env_ftf_rel',
  'order1_g',
  'order2_g',
  'order3_g',
  'kurtosis_raw',
  'crest',
  'velocity_rms_mm_s',
] as const;

/** Name of one diagnostic quantity. */
export type DiagFeature = (typeof DIAG_FEATURES)[number];

/** Index of each diagnostic quantity in a relative-feature vector. */
export const DIAG_INDEX: Readonly<Record<DiagFeature, number>> = Object.fromEntries(DIAG_FEATURES.map((n, i) => [n, i])) as Record<
  DiagFeature,
  number
>;

const TINY = 1e-9;

/**
 * The diagnostic quantities of one FeatureSet, written into `out`. Kurtosis is the raw (non-excess)
 * kurtosis, ≥ 1 and ≈ 3 for healthy broadband vibration, so that a ratio to baseline is meaningful.
 */
export function relativeFeatures(fs: FeatureSet, out: Float64Array = new Float64Array(DIAG_FEATURES.length)): Float64Array {
  const e = fs.envelope;
  const floor = Math.max(e.floorG, TINY);
  out[0] = e.bpfoG / floor;
  out[1] = e.bpfiG / floor;
  out[2] = e.bsfG / floor;
  out[3] = e.ftfG / floor;
  out[4] = fs.order1G;
  out[5] = fs.order2G;
  out[6] = fs.order3G;
  out[7] = Math.max(fs.kurtosis + 3, 1);
  out[8] = fs.crest;
  out[9] = fs.velocityRmsMmS;
  return out;
}
