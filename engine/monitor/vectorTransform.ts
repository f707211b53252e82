import type { VectorChannelConfig } from '../contract/asset';

/**
 * Turns a vector channel's raw snapshot into the model's input: level features (RMS, mean |x|,
 * peak …) are log-scaled, since faults multiply them; shape features (kurtosis, crest …) are kept
 * as they are. Writes into `out` (reused per channel) to keep the hot path allocation-free.
 */
export class VectorTransform {
  readonly size: number;
  /** Indices of the level features, also used to detect a dead sensor. */
  readonly levelIndex: readonly number[];
  private readonly isLevel: Uint8Array;

  constructor(cfg: VectorChannelConfig) {
    this.size = cfg.featureNames.length;
    this.isLevel = new Uint8Array(this.size);
    const idx: number[] = [];
    for (const name of cfg.levelFeatures) {
      const i = cfg.featureNames.indexOf(name);
      if (i < 0) throw new Error(`level feature ${name} is not among the channel's features`);
      this.isLevel[i] = 1;
      idx.push(i);
    }
    this.levelIndex = idx;
  }

  /** Model input for `values`; level features below 1e-12 are clamped so log stays finite. */
  apply(values: Float32Array, out: Float32Array): Float32Array {
    for (let i = 0; i < this.size; i++) {
      const v = values[i] ?? Number.NaN;
      out[i] = this.isLevel[i] ? Math.log10(Math.max(Math.abs(v), 1e-12)) : v;
    }
    return out;
  }

  /** Mean of the level features: the signal level a dead-sensor check compares with commissioning. */
  level(values: Float32Array): number {
    let s = 0;
    for (const i of this.levelIndex) s += Math.abs(values[i] ?? 0);
    return s / this.levelIndex.length;
  }
}
