import type { Activation, AutoencoderParams, DenseLayer } from '../../../engine/learn/autoencoderParams';
import { Rng } from '../../../engine/ingest/rng';

/** Shape of a random autoencoder: F features, hidden widths (encoder order), latent width K. */
export interface AutoencoderShape {
  readonly features: number;
  readonly hidden: readonly number[];
  readonly latent: number;
}

/** The production shape: 13 features, hidden [96, 48], latent 6. */
export const PRODUCTION_SHAPE: AutoencoderShape = { features: 13, hidden: [96, 48], latent: 6 };

/** A dense layer with Glorot-scaled Gaussian weights and small biases. */
function randomLayer(rng: Rng, inputs: number, outputs: number, activation: Activation): DenseLayer {
  const std = Math.sqrt(2 / (inputs + outputs));
  return {
    inputs,
    outputs,
    weights: Float32Array.from({ length: inputs * outputs }, () => rng.gaussian() * std),
    bias: Float32Array.from({ length: outputs }, () => rng.gaussian() * 0.1),
    activation,
  };
}

const positive = (rng: Rng, n: number, lo: number, hi: number): Float32Array => Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.next());

/**
 * Seeded autoencoder params of a given shape, standing in for a trained model: tanh hidden
 * layers, linear latent and output, plausible standardiser and calibration scales. Why random
 * rather than learned: graph tests must not depend on the learner, and untrained weights cover
 * the whole range of values a quantizer and a runtime must handle.
 */
export function randomAutoencoderParams(shape: AutoencoderShape, seed: number): AutoencoderParams {
  const rng = new Rng(seed);
  const { features: f, hidden, latent: k } = shape;
  const widths = [f, ...hidden, k];
  const encoder = widths.slice(1).map((w, i) => randomLayer(rng, widths[i]!, w, i === widths.length - 2 ? 'linear' : 'tanh'));
  const back = [...widths].reverse();
  const decoder = back.slice(1).map((w, i) => randomLayer(rng, back[i]!, w, i === back.length - 2 ? 'linear' : 'tanh'));
  return {
    featureNames: Array.from({ length: f }, (_, i) => `f${i}`),
    centre: Float32Array.from({ length: f }, () => rng.gaussian() * 5),
    scale: positive(rng, f, 0.5, 3),
    encoder,
    decoder,
    latentCentre: Float32Array.from({ length: k }, () => rng.gaussian() * 0.2),
    latentScale: positive(rng, k, 0.3, 1.5),
    residualScale: positive(rng, f, 0.2, 1),
    threshold: 1 + 2 * rng.next(),
    samplesSeen: 1000,
  };
}

/** Seeded feature vectors around the params' centre, mostly within ±3 scales, some far outside. */
export function randomFeatureVectors(params: AutoencoderParams, n: number, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, v) => {
    const spread = v % 8 === 7 ? 10 : 1.5;
    return Float32Array.from(params.centre, (c, i) => c + params.scale[i]! * spread * rng.gaussian());
  });
}
