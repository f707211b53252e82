import { z } from 'zod';

/** Activation of a dense layer. Why only two: tanh keeps the hidden code bounded (an input far from normal saturates and cannot be reconstructed), linear gives the latent code and the output. */
export type Activation = 'tanh' | 'linear';

/** One fully connected layer: y = act(W x + b). */
export interface DenseLayer {
  readonly inputs: number;
  readonly outputs: number;
  /** W, outputs × inputs, row-major (row o holds the weights into output o). */
  readonly weights: Float32Array;
  /** b, length outputs. */
  readonly bias: Float32Array;
  readonly activation: Activation;
}

/**
 * The frozen state of an autoencoder model of normal: everything needed to score in TypeScript or
 * to build its ONNX graph (fp32 or int8). Why a plain record: it is the unit that is versioned,
 * stored in the model registry (as the "fp32 weights"), shipped between the learner worker and the
 * engine, quantized and rebuilt into bytes, so it must round-trip through JSON exactly.
 *
 * Scoring, for a feature vector x of length F:
 *   z = (x − centre) / scale                        standardised input
 *   h = encoder(z)                                  latent code, length K (last encoder layer linear)
 *   ẑ = decoder(h)                                  reconstruction, length F (last decoder layer linear)
 *   d² = Σᵢ ((zᵢ − ẑᵢ) / residualScaleᵢ)² + Σⱼ ((hⱼ − latentCentreⱼ) / latentScaleⱼ)²
 *   score = sqrt(d² / (F + K)) / threshold
 * The residual term catches departures off the normal manifold, the latent term departures along
 * it (for a linear autoencoder the sum is the probabilistic-PCA Mahalanobis distance). 1.0 is the
 * calibrated alarm boundary, as for every Vigil model.
 */
export interface AutoencoderParams {
  readonly featureNames: readonly string[];
  readonly centre: Float32Array;
  readonly scale: Float32Array;
  readonly encoder: readonly DenseLayer[];
  readonly decoder: readonly DenseLayer[];
  readonly latentCentre: Float32Array;
  readonly latentScale: Float32Array;
  readonly residualScale: Float32Array;
  /** RMS standardised distance that maps to score 1.0. */
  readonly threshold: number;
  /** Normal windows the weights have learned from, in total (commissioning plus online). */
  readonly samplesSeen: number;
}

const LayerJson = z.object({
  inputs: z.number().int().positive(),
  outputs: z.number().int().positive(),
  weights: z.array(z.number().finite()),
  bias: z.array(z.number().finite()),
  activation: z.enum(['tanh', 'linear']),
});

/** JSON shape of {@link AutoencoderParams}. Why a schema: params cross worker and disk boundaries, and a corrupt registry row must fail here, not as a NaN score. */
export const AutoencoderParamsJsonSchema = z
  .object({
    kind: z.literal('vigil.autoencoder'),
    formatVersion: z.literal(1),
    featureNames: z.array(z.string().min(1)).min(1),
    centre: z.array(z.number().finite()),
    scale: z.array(z.number().finite().positive()),
    encoder: z.array(LayerJson).min(1),
    decoder: z.array(LayerJson).min(1),
    latentCentre: z.array(z.number().finite()),
    latentScale: z.array(z.number().finite().positive()),
    residualScale: z.array(z.number().finite().positive()),
    threshold: z.number().finite().positive(),
    samplesSeen: z.number().int().nonnegative(),
  })
  .superRefine((p, ctx) => {
    const issue = (message: string): void => ctx.addIssue({ code: 'custom', message });
    const f = p.featureNames.length;
    if (new Set(p.featureNames).size !== f) issue('featureNames must be unique');
    for (const [name, arr] of [['centre', p.centre], ['scale', p.scale], ['residualScale', p.residualScale]] as const) {
      if (arr.length !== f) issue(`${name} has ${arr.length} values, expected ${f}`);
    }
    const layers = [...p.encoder, ...p.decoder];
    let width = f;
    layers.forEach((l, i) => {
      if (l.inputs !== width) issue(`layer ${i} takes ${l.inputs} inputs, previous layer gives ${width}`);
      if (l.weights.length !== l.inputs * l.outputs) issue(`layer ${i} has ${l.weights.length} weights, expected ${l.inputs * l.outputs}`);
      if (l.bias.length !== l.outputs) issue(`layer ${i} has ${l.bias.length} biases, expected ${l.outputs}`);
      width = l.outputs;
    });
    if (width !== f) issue(`decoder gives ${width} outputs, expected ${f}`);
    // zod runs refinements after a continuable issue such as min(1): an empty encoder or decoder is already reported.
    if (p.encoder.length === 0 || p.decoder.length === 0) return;
    const k = p.encoder[p.encoder.length - 1]!.outputs;
    if (p.latentCentre.length !== k) issue(`latentCentre has ${p.latentCentre.length} values, expected ${k}`);
    if (p.latentScale.length !== k) issue(`latentScale has ${p.latentScale.length} values, expected ${k}`);
    if (p.encoder[p.encoder.length - 1]!.activation !== 'linear') issue('the last encoder layer (latent code) must be linear');
    if (p.decoder[p.decoder.length - 1]!.activation !== 'linear') issue('the last decoder layer (reconstruction) must be linear');
  });

/** Serialised params as stored and sent. */
export type AutoencoderParamsJson = z.infer<typeof AutoencoderParamsJsonSchema>;

const layerToJson = (l: DenseLayer): AutoencoderParamsJson['encoder'][number] => ({
  inputs: l.inputs,
  outputs: l.outputs,
  weights: Array.from(l.weights),
  bias: Array.from(l.bias),
  activation: l.activation,
});

const layerFromJson = (l: AutoencoderParamsJson['encoder'][number]): DenseLayer => ({
  inputs: l.inputs,
  outputs: l.outputs,
  weights: Float32Array.from(l.weights),
  bias: Float32Array.from(l.bias),
  activation: l.activation,
});

/** Params → plain JSON. Float32 values widen to float64 exactly, so the round trip is bit-exact. */
export function autoencoderParamsToJSON(p: AutoencoderParams): AutoencoderParamsJson {
  return {
    kind: 'vigil.autoencoder',
    formatVersion: 1,
    featureNames: [...p.featureNames],
    centre: Array.from(p.centre),
    scale: Array.from(p.scale),
    encoder: p.encoder.map(layerToJson),
    decoder: p.decoder.map(layerToJson),
    latentCentre: Array.from(p.latentCentre),
    latentScale: Array.from(p.latentScale),
    residualScale: Array.from(p.residualScale),
    threshold: p.threshold,
    samplesSeen: p.samplesSeen,
  };
}

/** Parse and validate JSON into params (throws a ZodError naming the field at fault). */
export function autoencoderParamsFromJSON(json: unknown): AutoencoderParams {
  const p = AutoencoderParamsJsonSchema.parse(json);
  return {
    featureNames: Object.freeze([...p.featureNames]),
    centre: Float32Array.from(p.centre),
    scale: Float32Array.from(p.scale),
    encoder: p.encoder.map(layerFromJson),
    decoder: p.decoder.map(layerFromJson),
    latentCentre: Float32Array.from(p.latentCentre),
    latentScale: Float32Array.from(p.latentScale),
    residualScale: Float32Array.from(p.residualScale),
    threshold: p.threshold,
    samplesSeen: p.samplesSeen,
  };
}

/** Latent width K of a params record. */
export function latentSize(p: AutoencoderParams): number {
  return p.encoder[p.encoder.length - 1]!.outputs;
}
