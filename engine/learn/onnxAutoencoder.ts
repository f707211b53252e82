import { attr, OnnxGraphBuilder } from '../model/onnxGraph';
import { NORMAL_MODEL_INPUT, NORMAL_MODEL_SCORE } from '../model/onnxNormalModel';
import {
  AutoencoderParamsJsonSchema,
  autoencoderParamsToJSON,
  latentSize,
  type AutoencoderParams,
  type DenseLayer,
} from './autoencoderParams';

/**
 * Numeric precision of an autoencoder graph. Why two: fp32 is the reference; int8 stores the
 * weights in a quarter of the bytes (registry rows, model downloads to edge nodes) at a bounded,
 * measurable score error.
 */
export type AutoencoderPrecision = 'fp32' | 'int8';

/** Options of {@link buildAutoencoderOnnx}. */
export interface AutoencoderOnnxOptions {
  readonly precision: AutoencoderPrecision;
  /** Extra metadata_props (provenance, training window ids). Must not reuse the keys the builder writes. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Largest int8 magnitude used: symmetric range [−127, 127], so +w and −w quantize alike. */
const INT8_MAX = 127;

/** ONNX TensorProto.DataType of float32, the `to` of the weight Cast. */
const FLOAT = 1;

/** Metadata keys the builder owns; a caller passing one would make the metadata lie about the graph. */
const RESERVED_KEYS = ['vigil.kind', 'vigil.precision', 'vigil.featureNames', 'vigil.threshold'] as const;

/**
 * One dense layer quantized symmetric per output channel. Why per output channel: a hidden unit
 * with small weights keeps its own fine scale instead of sharing the coarsest one of the matrix.
 */
export interface QuantizedLayer {
  /** int8 weights laid out [inputs, outputs] row-major: the MatMul orientation of the graph. */
  readonly values: Int8Array;
  /** One scale per output channel: max |w| / 127 (1 for an all-zero column). */
  readonly scales: Float32Array;
  /** values × scale back in the params layout (outputs × inputs), exactly what the graph restores. */
  readonly dequantized: Float32Array;
  /** Largest |w − dequantized| over the layer. */
  readonly maxAbsError: number;
}

/** Quantize one layer (see {@link QuantizedLayer}). Pure; the layer is not modified. */
export function quantizeLayer(layer: DenseLayer): QuantizedLayer {
  const { inputs, outputs, weights } = layer;
  const values = new Int8Array(inputs * outputs);
  const scales = new Float32Array(outputs);
  const dequantized = new Float32Array(inputs * outputs);
  let maxAbsError = 0;
  for (let o = 0; o < outputs; o++) {
    const row = o * inputs;
    let maxAbs = 0;
    for (let i = 0; i < inputs; i++) maxAbs = Math.max(maxAbs, Math.abs(weights[row + i]!));
    const scale = maxAbs > 0 ? Math.fround(maxAbs / INT8_MAX) : 1;
    scales[o] = scale;
    for (let i = 0; i < inputs; i++) {
      const w = weights[row + i]!;
      const q = Math.max(-INT8_MAX, Math.min(INT8_MAX, Math.round(w / scale)));
      values[i * outputs + o] = q;
      // float32(q × scale) is what the runtime computes: q is a small integer, so the product is exact before rounding.
      dequantized[row + i] = q * scale;
      maxAbsError = Math.max(maxAbsError, Math.abs(w - dequantized[row + i]!));
    }
  }
  return { values, scales, dequantized, maxAbsError };
}

/** Result of {@link quantizeAutoencoder}. */
export interface QuantizedAutoencoder {
  /** The params with every weight matrix replaced by its dequantized value; biases and scales unchanged. */
  readonly params: AutoencoderParams;
  /** Largest absolute weight error per layer, encoder layers then decoder layers. */
  readonly layerMaxAbsError: readonly number[];
}

/**
 * What the int8 graph effectively computes, as float params. Why: the TypeScript reference run on
 * these params reproduces int8 scores, so the int8 graph is tested exactly (not just "close to
 * fp32"), and the quantization error is reported separately from runtime error.
 */
export function quantizeAutoencoder(params: AutoencoderParams): QuantizedAutoencoder {
  assertConsistent(params);
  const errors: number[] = [];
  const requantize = (l: DenseLayer): DenseLayer => {
    const q = quantizeLayer(l);
    errors.push(q.maxAbsError);
    return { ...l, weights: q.dequantized };
  };
  const encoder = params.encoder.map(requantize);
  const decoder = params.decoder.map(requantize);
  return { params: { ...params, encoder, decoder }, layerMaxAbsError: errors };
}

/**
 * Throw a RangeError naming every inconsistency (sizes, non-finite values, non-positive scales).
 * Why through the JSON schema: one set of rules for stored params and built graphs, so a graph
 * can never be built from params the registry would refuse, and a bad record fails here, not as
 * a shape error inside the native runtime.
 */
export function assertConsistent(params: AutoencoderParams): void {
  const result = AutoencoderParamsJsonSchema.safeParse(autoencoderParamsToJSON(params));
  if (!result.success) {
    const why = result.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
    throw new RangeError(`autoencoder params are inconsistent: ${why.join('; ')}`);
  }
}

/**
 * Build the ONNX graph (opset 17) of an autoencoder model of normal. It computes exactly the
 * formula documented on AutoencoderParams:
 *
 *   features → Sub(c) → Div(s) = z → per layer MatMul(Wᵀ) → Add(b) [→ Tanh] … latent h … ẑ
 *   Σ((z − ẑ)/rs)² + Σ((h − lc)/ls)² → Div(F + K) → Sqrt → Div(threshold) = score
 *
 * Why this shape: every op is a plain opset-17 op that onnxruntime and the ONNX checker accept,
 * the input and output are the ones OnnxScorer expects ('features' [batch, F] → 'score' [batch]),
 * so an autoencoder drops in wherever the Mahalanobis model runs. Initializer and value names
 * are one or two letters because the bytes are stored per version and the int8 graph is meant
 * to be small. The bytes are deterministic: the same params and options give the same bytes,
 * hence the same model version id.
 *
 * int8 stores each weight matrix as int8 [in, out] plus an fp32 scale per output column and
 * restores it in the graph as Cast(int8 → float) × scale feeding the MatMul: weight-only
 * quantization, zero point 0. Why not DequantizeLinear → MatMul: onnxruntime 1.30 rewrites that
 * pair into MatMulNBits with accuracy_level 4, which quantizes the activations too; the scores
 * then drift 2e-3 from what the weights imply (no TypeScript reference can reproduce them) and
 * run slower. Cast × scale computes the same float32(q × scale) as DequantizeLinear, is folded
 * into fp32 weights when the session loads, and so runs exactly as fast as the fp32 graph.
 * The measurements are in the note at the end of this file.
 */
export function buildAutoencoderOnnx(params: AutoencoderParams, opts: AutoencoderOnnxOptions): Uint8Array {
  assertConsistent(params);
  if (opts.precision !== 'fp32' && opts.precision !== 'int8') throw new RangeError(`unknown precision '${String(opts.precision)}'`);
  const extra = opts.metadata ?? {};
  for (const key of RESERVED_KEYS) {
    if (key in extra) throw new RangeError(`metadata key '${key}' is written by buildAutoencoderOnnx and cannot be overridden`);
  }
  const f = params.featureNames.length;
  const k = latentSize(params);
  const g = new OnnxGraphBuilder('vigil_ae');
  g.input(NORMAL_MODEL_INPUT, 'float32', ['batch', f]);
  g.initializerFloat32('c', params.centre, [f]);
  g.initializerFloat32('s', params.scale, [f]);
  g.node('Sub', [NORMAL_MODEL_INPUT, 'c'], ['x0'], {}, 'n0').node('Div', ['x0', 's'], ['z'], {}, 'n1');

  const layers = [...params.encoder, ...params.decoder];
  let cur = 'z';
  let latent = '';
  layers.forEach((layer, i) => {
    const w = addWeights(g, layer, i, opts.precision);
    const b = g.initializerFloat32(`b${i}`, layer.bias, [layer.outputs]);
    g.node('MatMul', [cur, w], [`m${i}`], {}, `M${i}`);
    const sum = layer.activation === 'tanh' ? `a${i}` : `y${i}`;
    g.node('Add', [`m${i}`, b], [sum], {}, `A${i}`);
    if (layer.activation === 'tanh') g.node('Tanh', [sum], [`y${i}`], {}, `T${i}`);
    cur = `y${i}`;
    if (i === params.encoder.length - 1) latent = cur;
  });

  g.initializerFloat32('rs', params.residualScale, [f]);
  g.initializerFloat32('lc', params.latentCentre, [k]);
  g.initializerFloat32('ls', params.latentScale, [k]);
  g.initializerInt64('ax', [1], [1]);
  g.initializerFloat32('n', [f + k], []);
  g.initializerFloat32('t', [params.threshold], []);
  g.node('Sub', ['z', cur], ['r0'], {}, 'r0')
    .node('Div', ['r0', 'rs'], ['r1'], {}, 'r1')
    .node('Mul', ['r1', 'r1'], ['r2'], {}, 'r2')
    .node('ReduceSum', ['r2', 'ax'], ['r3'], { keepdims: attr.int(0) }, 'r3')
    .node('Sub', [latent, 'lc'], ['l0'], {}, 'l0')
    .node('Div', ['l0', 'ls'], ['l1'], {}, 'l1')
    .node('Mul', ['l1', 'l1'], ['l2'], {}, 'l2')
    .node('ReduceSum', ['l2', 'ax'], ['l3'], { keepdims: attr.int(0) }, 'l3')
    .node('Add', ['r3', 'l3'], ['d2'], {}, 'd2')
    .node('Div', ['d2', 'n'], ['ms'], {}, 'ms')
    .node('Sqrt', ['ms'], ['d'], {}, 'd')
    .node('Div', ['d', 't'], [NORMAL_MODEL_SCORE], {}, 'sc');
  g.output(NORMAL_MODEL_SCORE, 'float32', ['batch']);

  return g.toBytes({
    metadata: {
      ...extra,
      'vigil.kind': 'autoencoder',
      'vigil.precision': opts.precision,
      'vigil.featureNames': JSON.stringify(params.featureNames),
      'vigil.threshold': String(params.threshold),
    },
  });
}

/** Add layer i's weights as the MatMul right operand [inputs, outputs]; returns the value name to multiply by. */
function addWeights(g: OnnxGraphBuilder, layer: DenseLayer, i: number, precision: AutoencoderPrecision): string {
  if (precision === 'fp32') return g.initializerFloat32(`w${i}`, transposeToInOut(layer), [layer.inputs, layer.outputs]);
  const q = quantizeLayer(layer);
  const raw = new Uint8Array(q.values.buffer, q.values.byteOffset, q.values.byteLength);
  g.initializerRaw(`q${i}`, 'int8', raw, [layer.inputs, layer.outputs]);
  g.initializerFloat32(`s${i}`, q.scales, [layer.outputs]);
  // Scales [outputs] broadcast over the last axis: one scale per output column of [inputs, outputs].
  g.node('Cast', [`q${i}`], [`k${i}`], { to: attr.int(FLOAT) }, `C${i}`).node('Mul', [`k${i}`, `s${i}`], [`w${i}`], {}, `S${i}`);
  return `w${i}`;
}

/** W (outputs × inputs, row-major) → Wᵀ (inputs × outputs), the layout MatMul(x, Wᵀ) needs. */
function transposeToInOut(layer: DenseLayer): Float32Array {
  const { inputs, outputs, weights } = layer;
  const t = new Float32Array(inputs * outputs);
  for (let o = 0; o < outputs; o++) for (let i = 0; i < inputs; i++) t[i * outputs + o] = weights[o * inputs + i]!;
  return t;
}

// Activation quantization, measured (onnxruntime-node 1.30, OnnxScorer's single-threaded session,
// 2-core x64, 3000 interleaved calls, p50 per call in µs, batch 1 / batch 64; seeded random params):
//   shape F=13 [96,48] K=6     fp32 21.8 / 55.3   int8 Cast×scale 21.8 / 55.4
//                              DQ→MatMul (fused to MatMulNBits, int8 activations)  29.2 / 126.8
//                              DequantizeLinear→Gemm(transB), weight-only          28.1 /  64.1
//                              DynamicQuantizeLinear+MatMulInteger (int8 acts.)    32.4 /  67.1
//   shape F=64 [32,16] K=8     fp32 25.1 / 64.5   Cast×scale 25.2 / 64.7   MatMulNBits 33.7 / 104.3
//                              DQ→Gemm 30.8 / 71.3   DynamicQuantize 37.3 / 79.2
//   shape F=40 [256,128] K=16  fp32 55.4 / 203.8  Cast×scale 54.7 / 201.7  MatMulNBits 63.5 / 385.6
//                              DQ→Gemm 84.7 / 252.1  DynamicQuantize 69.8 / 176.6
// Quantizing activations costs 30–50 % at batch 1 and loses at batch 64 except on the largest
// shape (13 % faster), seven times the production model's MACs; it also moves scores by 2–3e-3
// relative beyond the weight error and makes them irreproducible in TypeScript. At Vigil's
// sizes it does not pay, so int8 here is weight-only. p99s were 3–10× p50 on a shared host and
// did not change the ranking. Re-measure with benchAutoencoderPrecision when shapes grow.
