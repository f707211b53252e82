import type { FeatureSet } from '../contract/features';
import { DiagnosisBaseline, type DiagnosisBaselineJSON } from '../diagnose/DiagnosisBaseline';
import { autoencoderParamsFromJSON, autoencoderParamsToJSON, type AutoencoderParams, type AutoencoderParamsJson } from '../learn/autoencoderParams';
import { buildAutoencoderOnnx, type AutoencoderPrecision } from '../learn/onnxAutoencoder';
import { modelVersionId } from '../model/modelVersion';
import { OnnxScorer } from '../model/onnxScorer';

/** The speed band a model was commissioned in (shaft Hz); null for a machine without a tachometer. */
export interface OperatingRegime {
  readonly lowHz: number;
  readonly highHz: number;
}

/** What a production model is built from; also what a stored model is restored from. */
export interface ModelSource {
  /** The fp32 weights the runtime model was built (and, for int8, quantized) from. */
  params: AutoencoderParams;
  precision: AutoencoderPrecision;
  /** The exact ONNX bytes production loads; the version id is their hash. */
  onnx: Uint8Array;
  /** Envelope/order baseline for diagnosis (waveform channels only). */
  baseline: DiagnosisBaseline | null;
  /** Median signal level during commissioning (vector channels: dead-sensor reference). */
  levelMedian: number | null;
  /** Commissioning windows behind the first version of this lineage. */
  windows: number;
  /** The version this one was learned from (null for a first commissioning). */
  parent: string | null;
  regime: OperatingRegime | null;
}

/**
 * A channel's production model, ready to score: a frozen, versioned runtime session. Production
 * never learns; the shadow learner (in the learner thread) does, and reaches production only by
 * promotion.
 */
export interface CommissionedModel extends ModelSource {
  version: string;
  scorer: OnnxScorer;
}

/** Production precision. Why int8: 3× smaller bytes with no detection result changed (see the learn tests and bench). */
export const PRODUCTION_PRECISION: AutoencoderPrecision = 'int8';

/** Builds a model source from learner params plus what diagnosis and quality checks need. */
export function buildModelSource(
  params: AutoencoderParams | AutoencoderParamsJson,
  extras: { baseline: DiagnosisBaseline | null; levelMedian: number | null; windows: number; parent: string | null; regime: OperatingRegime | null },
  precision: AutoencoderPrecision = PRODUCTION_PRECISION,
): ModelSource {
  const p = 'kind' in params ? autoencoderParamsFromJSON(params) : params;
  const onnx = buildAutoencoderOnnx(p, { precision });
  return { params: p, precision, onnx, ...extras };
}

/** Diagnosis baseline and level reference from the commissioning windows. */
export function commissioningExtras(features: FeatureSet[], levels: number[]): { baseline: DiagnosisBaseline | null; levelMedian: number | null } {
  const baseline = features.length > 0 ? DiagnosisBaseline.fromFeatureSets(features) : null;
  const sorted = levels.slice().sort((a, b) => a - b);
  const levelMedian = sorted.length > 0 ? (sorted[Math.floor((sorted.length - 1) / 2)] ?? null) : null;
  return { baseline, levelMedian };
}

/** Loads a model source into onnxruntime-node; the version id is derived from the bytes. */
export async function loadModel(src: ModelSource): Promise<CommissionedModel> {
  const version = modelVersionId(src.onnx);
  const scorer = await OnnxScorer.create(src.onnx, version);
  return { ...src, version, scorer };
}

/** JSON the model registry stores beside the ONNX bytes. */
export function modelSourceJson(src: ModelSource): { params: unknown; calibration: unknown } {
  return {
    params: { model: autoencoderParamsToJSON(src.params), baseline: src.baseline?.toJSON() ?? null, levelMedian: src.levelMedian },
    calibration: { threshold: src.params.threshold, samplesSeen: src.params.samplesSeen, windows: src.windows },
  };
}

/** A stored registry row, as ModelRegistry.modelVersion returns it (only what a restore needs). */
export interface StoredModelVersion {
  versionId: string;
  onnx: Uint8Array;
  params: unknown;
  windows: number;
  parentVersion: string | null;
  precision: AutoencoderPrecision | null;
  regime: unknown;
}

/**
 * Rebuilds a model source from the registry (rollback, restart). The ONNX bytes are rebuilt from
 * the stored fp32 weights and must hash to the stored version id: a registry row whose weights and
 * bytes disagree, or whose JSON is not a Vigil autoencoder, is refused with the version named.
 */
export function modelSourceFromRecord(rec: StoredModelVersion): ModelSource {
  const stored = rec.params as { model?: unknown; baseline?: DiagnosisBaselineJSON | null; levelMedian?: number | null } | null;
  if (!stored || typeof stored !== 'object' || !stored.model) throw new Error(`model version ${rec.versionId} in the registry has no autoencoder weights`);
  let params: AutoencoderParams;
  try {
    params = autoencoderParamsFromJSON(stored.model);
  } catch (err) {
    throw new Error(`model version ${rec.versionId} in the registry has corrupt weights: ${(err as Error).message.slice(0, 300)}`);
  }
  const regime = rec.regime as OperatingRegime | null;
  const baseline = stored.baseline ? DiagnosisBaseline.fromJSON(stored.baseline) : null;
  const src = buildModelSource(params, { baseline, levelMedian: stored.levelMedian ?? null, windows: rec.windows, parent: rec.parentVersion, regime: regime ?? null }, rec.precision ?? PRODUCTION_PRECISION);
  const version = modelVersionId(src.onnx);
  if (version !== rec.versionId) throw new Error(`model version ${rec.versionId} in the registry does not rebuild to its own bytes (got ${version}): refusing a corrupt entry`);
  return src;
}
