import { z } from 'zod';

/**
 * The fitted "model of normal" for one asset: everything needed to build its ONNX graph or to
 * score in plain TypeScript. Why a plain record: it is the unit that is versioned, stored in the
 * model registry, shipped to a worker and rebuilt into bytes, so it must round-trip through JSON.
 *
 * score(x) = ||W · ((x − mean) / scale)|| / threshold, so 1.0 is the calibrated alarm boundary.
 */
export interface NormalModelParams {
  /** Feature order the vectors must follow; length F. */
  readonly featureNames: readonly string[];
  /** Robust centre per feature (median), length F. */
  readonly mean: Float64Array;
  /** Robust scale per feature (floored), length F; never zero. */
  readonly scale: Float64Array;
  /** Whitening matrix W = L⁻¹ (L the Cholesky factor of the shrunk covariance), F×F row-major. */
  readonly whitening: Float64Array;
  /** Held-out distance that maps to score 1.0 (see calibrateThreshold). */
  readonly threshold: number;
  /** Samples the final model was fitted on. */
  readonly nTrain: number;
  /** Commissioning windows that produced the samples (equal to nTrain unless some were dropped). */
  readonly createdFromWindows: number;
  /** Quantile of held-out distances that the threshold targets (0.999 by default). */
  readonly quantile: number;
}

/** JSON shape of {@link NormalModelParams}. Why a schema: params cross worker and disk boundaries. */
export const NormalModelParamsJsonSchema = z
  .object({
    kind: z.literal('vigil.normalModel'),
    formatVersion: z.literal(1),
    featureNames: z.array(z.string().min(1)).min(1),
    mean: z.array(z.number().finite()),
    scale: z.array(z.number().finite().positive()),
    whitening: z.array(z.number().finite()),
    threshold: z.number().finite().positive(),
    nTrain: z.number().int().positive(),
    createdFromWindows: z.number().int().nonnegative(),
    quantile: z.number().gt(0).lt(1),
  })
  .superRefine((p, ctx) => {
    const f = p.featureNames.length;
    if (p.mean.length !== f) ctx.addIssue({ code: 'custom', message: `mean has ${p.mean.length} values, expected ${f}` });
    if (p.scale.length !== f) ctx.addIssue({ code: 'custom', message: `scale has ${p.scale.length} values, expected ${f}` });
    if (p.whitening.length !== f * f)
      ctx.addIssue({ code: 'custom', message: `whitening has ${p.whitening.length} values, expected ${f * f}` });
    if (new Set(p.featureNames).size !== f) ctx.addIssue({ code: 'custom', message: 'featureNames must be unique' });
  });
/** Serialised params as stored and sent. */
export type NormalModelParamsJson = z.infer<typeof NormalModelParamsJsonSchema>;

/** Params → plain JSON (typed arrays become number arrays; float64 values are kept exactly). */
export function paramsToJSON(p: NormalModelParams): NormalModelParamsJson {
  return {
    kind: 'vigil.normalModel',
    formatVersion: 1,
    featureNames: [...p.featureNames],
    mean: Array.from(p.mean),
    scale: Array.from(p.scale),
    whitening: Array.from(p.whitening),
    threshold: p.threshold,
    nTrain: p.nTrain,
    createdFromWindows: p.createdFromWindows,
    quantile: p.quantile,
  };
}

/**
 * Parse and validate JSON into params. Why it validates: a corrupt registry entry must fail here
 * with a clear message, not later as a NaN score on the hot path.
 */
export function paramsFromJSON(json: unknown): NormalModelParams {
  const p = NormalModelParamsJsonSchema.parse(json);
  return {
    featureNames: Object.freeze([...p.featureNames]),
    mean: Float64Array.from(p.mean),
    scale: Float64Array.from(p.scale),
    whitening: Float64Array.from(p.whitening),
    threshold: p.threshold,
    nTrain: p.nTrain,
    createdFromWindows: p.createdFromWindows,
    quantile: p.quantile,
  };
}
