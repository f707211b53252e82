import { attr, OnnxGraphBuilder } from './onnxGraph';
import type { NormalModelParams } from './normalModelParams';
import { transpose } from './linalg';

/** Name of the graph input: float32 [batch, F] feature vectors. */
export const NORMAL_MODEL_INPUT = 'features';
/** Name of the score output: float32 [batch], 1.0 = calibrated boundary. */
export const NORMAL_MODEL_SCORE = 'score';
/** Name of the standardised-features output: float32 [batch, F], (x − mean)/scale. */
export const NORMAL_MODEL_Z = 'z';

/**
 * Build the ONNX graph of a fitted model of normal:
 * features → Sub(mean) → Div(scale) = z → MatMul(Wᵀ) → Mul(self) → ReduceSum(axis 1) → Sqrt → Div(threshold) = score.
 *
 * Why this shape: each step is one cheap, universally supported op (opset 17), so the later
 * int8 quantizer can rewrite the MatMul alone; `z` is a free by-product that diagnosis uses to
 * say which features moved. Feature names, threshold and provenance are stored as metadata, so
 * the model bytes (and thus the version id) change whenever anything that affects scoring does.
 */
export function buildNormalModelOnnx(params: NormalModelParams): Uint8Array {
  const f = params.featureNames.length;
  if (params.mean.length !== f || params.scale.length !== f || params.whitening.length !== f * f) {
    throw new RangeError(`params are inconsistent with ${f} features`);
  }
  const g = new OnnxGraphBuilder('vigil_normal_model');
  g.input(NORMAL_MODEL_INPUT, 'float32', ['batch', f]);
  const mean = g.initializerFloat32('mean', params.mean, [f]);
  const scale = g.initializerFloat32('scale', params.scale, [f]);
  const wT = g.initializerFloat32('whitening_T', transpose(params.whitening, f, f), [f, f]);
  const axes = g.initializerInt64('reduce_axes', [1], [1]);
  const threshold = g.initializerFloat32('threshold', [params.threshold], []);

  g.node('Sub', [NORMAL_MODEL_INPUT, mean], ['centred'], {}, 'centre')
    .node('Div', ['centred', scale], [NORMAL_MODEL_Z], {}, 'standardise')
    .node('MatMul', [NORMAL_MODEL_Z, wT], ['whitened'], {}, 'whiten')
    .node('Mul', ['whitened', 'whitened'], ['squared'], {}, 'square')
    .node('ReduceSum', ['squared', axes], ['distance_sq'], { keepdims: attr.int(0) }, 'sum_squares')
    .node('Sqrt', ['distance_sq'], ['distance'], {}, 'distance')
    .node('Div', ['distance', threshold], [NORMAL_MODEL_SCORE], {}, 'calibrate');
  g.output(NORMAL_MODEL_SCORE, 'float32', ['batch']);
  g.output(NORMAL_MODEL_Z, 'float32', ['batch', f]);

  return g.toBytes({
    docString: 'Vigil model of normal: Mahalanobis distance of robustly standardised features, calibrated so 1.0 = held-out quantile.',
    metadata: {
      'vigil.kind': 'normalModel',
      'vigil.featureNames': JSON.stringify(params.featureNames),
      'vigil.threshold': String(params.threshold),
      'vigil.quantile': String(params.quantile),
      'vigil.nTrain': String(params.nTrain),
      'vigil.createdFromWindows': String(params.createdFromWindows),
    },
  });
}
