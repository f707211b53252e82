import type { FeatureSet } from '../contract/features';
import { fitNormalModel } from '../model/normalModel';
import { buildNormalModelOnnx } from '../model/onnxNormalModel';
import { modelVersionId } from '../model/modelVersion';
import { OnnxScorer } from '../model/onnxScorer';
import { paramsToJSON, type NormalModelParams } from '../model/normalModelParams';
import { DiagnosisBaseline } from '../diagnose/DiagnosisBaseline';

/**
 * A channel's model of normal, ready to score: the parameters, the exact ONNX bytes the runtime
 * loaded, their content-derived version id, and what diagnosis compares against.
 */
export interface CommissionedModel {
  version: string;
  onnx: Uint8Array;
  params: NormalModelParams;
  scorer: OnnxScorer;
  /** Envelope/order baseline for diagnosis (waveform channels only). */
  baseline: DiagnosisBaseline | null;
  /** Median signal level during commissioning (vector channels: dead-sensor reference). */
  levelMedian: number | null;
  windows: number;
}

/** What a commissioned model is built from; also what a stored model is restored from. */
export interface ModelSource {
  params: NormalModelParams;
  onnx: Uint8Array;
  baseline: DiagnosisBaseline | null;
  levelMedian: number | null;
  windows: number;
}

/** Learns a channel's normal from its commissioning windows. */
export function fitModelSource(
  vectors: Float32Array[],
  featureNames: readonly string[],
  features: FeatureSet[],
  levels: number[],
  seed: number,
): ModelSource {
  const params = fitNormalModel(vectors, { featureNames, seed });
  const onnx = buildNormalModelOnnx(params);
  const baseline = features.length > 0 ? DiagnosisBaseline.fromFeatureSets(features) : null;
  const sorted = levels.slice().sort((a, b) => a - b);
  const levelMedian = sorted.length > 0 ? (sorted[Math.floor((sorted.length - 1) / 2)] ?? null) : null;
  return { params, onnx, baseline, levelMedian, windows: vectors.length };
}

/** Loads a model source into onnxruntime-node; the version id is derived from the bytes. */
export async function loadModel(src: ModelSource): Promise<CommissionedModel> {
  const version = modelVersionId(src.onnx);
  const scorer = await OnnxScorer.create(src.onnx, version);
  return { ...src, version, scorer };
}

/** JSON the model registry stores beside the ONNX bytes. */
export function modelSourceJson(src: ModelSource): { params: unknown; calibration: unknown } {
  const params = paramsToJSON(src.params);
  return {
    params: { model: params, baseline: src.baseline?.toJSON() ?? null, levelMedian: src.levelMedian },
    calibration: { threshold: src.params.threshold, quantile: src.params.quantile, windows: src.windows },
  };
}
