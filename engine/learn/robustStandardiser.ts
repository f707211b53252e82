import { median } from '../model/linalg';

const MAD_TO_SIGMA = 1.482602218505602;

/** Scale floors, as in the spine's whitener: relative to |centre| (1 %) and absolute (1e-6). */
const REL_SCALE_FLOOR = 0.01;
const ABS_SCALE_FLOOR = 1e-6;

/**
 * Per-feature median and 1.4826·MAD (floored) of commissioning vectors. Why robust: one transient
 * window during commissioning must not stretch the scale every later score is measured in; why
 * floored: a feature that never moved must not turn float jitter into alarms.
 */
export function fitRobustStandardiser(samples: readonly Float32Array[], f: number): { centre: Float32Array; scale: Float32Array } {
  const centre = new Float32Array(f);
  const scale = new Float32Array(f);
  const column = new Float64Array(samples.length);
  const dev = new Float64Array(samples.length);
  for (let j = 0; j < f; j++) {
    for (let i = 0; i < samples.length; i++) column[i] = samples[i]![j]!;
    const c = median(column);
    for (let i = 0; i < samples.length; i++) dev[i] = Math.abs(column[i]! - c);
    centre[j] = c;
    scale[j] = Math.max(MAD_TO_SIGMA * median(dev), REL_SCALE_FLOOR * Math.abs(c), ABS_SCALE_FLOOR);
  }
  return { centre, scale };
}
