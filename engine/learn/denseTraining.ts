import { denseForward } from './autoencoderForward';
import type { Activation, DenseLayer } from './autoencoderParams';

/** A layer whose weights the learner may change. */
export interface TrainableLayer {
  readonly inputs: number;
  readonly outputs: number;
  readonly weights: Float32Array;
  readonly bias: Float32Array;
  readonly activation: Activation;
}

/** Adam moments of one layer, same shapes as its weights and bias. */
export interface LayerMoments {
  readonly mW: Float32Array;
  readonly vW: Float32Array;
  readonly mB: Float32Array;
  readonly vB: Float32Array;
}

/** Adam settings. Why decoupled weight decay (AdamW): it keeps weights small without fighting the adaptive step. */
export interface AdamSettings {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
}

/** Defaults used by Vigil's learners (Kingma & Ba's β, ε; a small decay). */
export const DEFAULT_ADAM: AdamSettings = Object.freeze({ learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-4 });

/** Zeroed moments for a layer. */
export function zeroMoments(l: { inputs: number; outputs: number }): LayerMoments {
  const w = l.inputs * l.outputs;
  return { mW: new Float32Array(w), vW: new Float32Array(w), mB: new Float32Array(l.outputs), vB: new Float32Array(l.outputs) };
}

/** Glorot-uniform weights and zero biases; `uniform` is the seeded source in [0, 1). */
export function initLayer(inputs: number, outputs: number, activation: Activation, uniform: () => number): TrainableLayer {
  const limit = Math.sqrt(6 / (inputs + outputs));
  const weights = new Float32Array(inputs * outputs);
  for (let i = 0; i < weights.length; i++) weights[i] = (2 * uniform() - 1) * limit;
  return { inputs, outputs, weights, bias: new Float32Array(outputs), activation };
}

/** A deep copy of a layer (the learner's production snapshot must not alias its training weights). */
export function copyLayer(l: DenseLayer): TrainableLayer {
  return { inputs: l.inputs, outputs: l.outputs, weights: Float32Array.from(l.weights), bias: Float32Array.from(l.bias), activation: l.activation };
}

/** Gradient buffers for a stack of layers, reused across steps (no allocation per step). */
export class GradientBuffers {
  readonly gW: Float32Array[];
  readonly gB: Float32Array[];
  private readonly acts: Float32Array[];
  private readonly deltas: Float32Array[];

  constructor(layers: readonly TrainableLayer[]) {
    this.gW = layers.map((l) => new Float32Array(l.inputs * l.outputs));
    this.gB = layers.map((l) => new Float32Array(l.outputs));
    this.acts = layers.map((l) => new Float32Array(l.outputs));
    this.deltas = layers.map((l) => new Float32Array(l.outputs));
  }

  zero(): void {
    for (const g of this.gW) g.fill(0);
    for (const g of this.gB) g.fill(0);
  }

  /**
   * Adds the gradient of the reconstruction loss mean((ẑ − z)²) for one standardised input z,
   * scaled by `weight`, and returns the loss. Plain back-propagation through tanh/linear layers.
   */
  accumulate(layers: readonly TrainableLayer[], z: Float32Array, weight: number): number {
    let cur = z;
    for (let l = 0; l < layers.length; l++) cur = denseForward(layers[l]!, cur, this.acts[l]!);
    const last = layers.length - 1;
    const f = z.length;
    let loss = 0;
    const dOut = this.deltas[last]!;
    for (let i = 0; i < f; i++) {
      const e = cur[i]! - z[i]!;
      loss += e * e;
      dOut[i] = (2 * e * weight) / f;
    }
    for (let l = last; l >= 0; l--) {
      const layer = layers[l]!;
      const delta = this.deltas[l]!;
      if (layer.activation === 'tanh') {
        const a = this.acts[l]!;
        for (let o = 0; o < layer.outputs; o++) delta[o] = delta[o]! * (1 - a[o]! * a[o]!);
      }
      const input = l === 0 ? z : this.acts[l - 1]!;
      const gW = this.gW[l]!;
      const gB = this.gB[l]!;
      const prevDelta = l > 0 ? this.deltas[l - 1]! : null;
      if (prevDelta) prevDelta.fill(0);
      for (let o = 0; o < layer.outputs; o++) {
        const d = delta[o]!;
        gB[o] = gB[o]! + d;
        const row = o * layer.inputs;
        for (let i = 0; i < layer.inputs; i++) {
          gW[row + i] = gW[row + i]! + d * input[i]!;
          if (prevDelta) prevDelta[i] = prevDelta[i]! + d * layer.weights[row + i]!;
        }
      }
    }
    return loss / f;
  }
}

/** One AdamW update of every layer from accumulated gradients; `step` is the 1-based step count. */
export function adamStep(layers: readonly TrainableLayer[], moments: readonly LayerMoments[], grads: GradientBuffers, step: number, s: AdamSettings): void {
  const c1 = 1 - Math.pow(s.beta1, step);
  const c2 = 1 - Math.pow(s.beta2, step);
  for (let l = 0; l < layers.length; l++) {
    const layer = layers[l]!;
    const m = moments[l]!;
    update(layer.weights, grads.gW[l]!, m.mW, m.vW, c1, c2, s, s.weightDecay);
    update(layer.bias, grads.gB[l]!, m.mB, m.vB, c1, c2, s, 0);
  }
}

function update(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, c1: number, c2: number, s: AdamSettings, decay: number): void {
  for (let i = 0; i < w.length; i++) {
    const gi = g[i]!;
    const mi = (m[i] = s.beta1 * m[i]! + (1 - s.beta1) * gi);
    const vi = (v[i] = s.beta2 * v[i]! + (1 - s.beta2) * gi * gi);
    w[i] = w[i]! - s.learningRate * ((mi / c1) / (Math.sqrt(vi / c2) + s.epsilon) + decay * w[i]!);
  }
}
