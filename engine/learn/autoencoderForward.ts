import { latentSize, type AutoencoderParams, type DenseLayer } from './autoencoderParams';

/** Intermediate values of one forward pass, kept for back-propagation and explanations. */
export interface ForwardTrace {
  /** Standardised input, length F. */
  readonly z: Float32Array;
  /** Output of every layer in order (encoder then decoder); the encoder's last is the latent code. */
  readonly activations: Float32Array[];
  /** Reconstruction ẑ, length F (the decoder's last activation). */
  readonly reconstruction: Float32Array;
  /** Latent code h, length K. */
  readonly latent: Float32Array;
  /** d² / (F + K): mean squared standardised distance (see AutoencoderParams). */
  readonly meanSquare: number;
}

/** y = act(W x + b), written into `out`. */
export function denseForward(layer: DenseLayer, x: Float32Array, out: Float32Array): Float32Array {
  const { inputs, outputs, weights, bias } = layer;
  for (let o = 0; o < outputs; o++) {
    let s = bias[o]!;
    const row = o * inputs;
    for (let i = 0; i < inputs; i++) s += weights[row + i]! * x[i]!;
    out[o] = layer.activation === 'tanh' ? Math.tanh(s) : s;
  }
  return out;
}

/**
 * One forward pass in TypeScript. Why it exists beside the ONNX graph: it is the executable
 * specification the graph is tested against, the learner's training forward pass, and a scorer
 * for tools that cannot load the native runtime. Not used on the trip path.
 */
export function forwardAutoencoder(p: AutoencoderParams, x: ArrayLike<number>): ForwardTrace {
  const f = p.featureNames.length;
  if (x.length !== f) throw new RangeError(`feature vector has ${x.length} values, expected ${f}`);
  const z = new Float32Array(f);
  for (let i = 0; i < f; i++) {
    const v = x[i]!;
    if (!Number.isFinite(v)) throw new RangeError(`feature ${p.featureNames[i]} is not finite (${v})`);
    z[i] = (v - p.centre[i]!) / p.scale[i]!;
  }
  return forwardStandardised(p, z);
}

/** As {@link forwardAutoencoder}, from an already standardised input z (training and calibration work in z). */
export function forwardStandardised(p: AutoencoderParams, z: Float32Array): ForwardTrace {
  const f = p.featureNames.length;
  const activations: Float32Array[] = [];
  let cur = z;
  for (const layer of [...p.encoder, ...p.decoder]) {
    cur = denseForward(layer, cur, new Float32Array(layer.outputs));
    activations.push(cur);
  }
  const latent = activations[p.encoder.length - 1]!;
  const k = latentSize(p);
  let d2 = 0;
  for (let i = 0; i < f; i++) {
    const r = (z[i]! - cur[i]!) / p.residualScale[i]!;
    d2 += r * r;
  }
  for (let j = 0; j < k; j++) {
    const l = (latent[j]! - p.latentCentre[j]!) / p.latentScale[j]!;
    d2 += l * l;
  }
  return { z, activations, reconstruction: cur, latent, meanSquare: d2 / (f + k) };
}

/** Calibrated score of one vector in TypeScript (1.0 = alarm boundary). */
export function scoreAutoencoderReference(p: AutoencoderParams, x: ArrayLike<number>): number {
  return Math.sqrt(forwardAutoencoder(p, x).meanSquare) / p.threshold;
}
