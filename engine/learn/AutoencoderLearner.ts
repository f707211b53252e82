import { z } from 'zod';
import { calibrateThreshold } from '../model/calibration';
import { forwardAutoencoder, forwardStandardised } from './autoencoderForward';
import { autoencoderParamsFromJSON, autoencoderParamsToJSON, AutoencoderParamsJsonSchema, type AutoencoderParams } from './autoencoderParams';
import { adamStep, copyLayer, DEFAULT_ADAM, GradientBuffers, initLayer, zeroMoments, type AdamSettings, type LayerMoments, type TrainableLayer } from './denseTraining';
import { fitRobustStandardiser } from './robustStandardiser';
import { SeededUniform } from './SeededUniform';
import { quantizeLayer } from './onnxAutoencoder';

/** Options of {@link AutoencoderLearner}. */
export interface AutoencoderLearnerOptions {
  readonly featureNames: readonly string[];
  readonly seed: number;
  /** Encoder hidden widths, mirrored by the decoder (default [96, 48]: see DEFAULT_HIDDEN). */
  readonly hidden?: readonly number[];
  /** Latent width K (default min(6, F − 1), at least 1). */
  readonly latent?: number;
  readonly learningRate?: number;
  /** Passes over the commissioning data in a full fit (default: enough for FIT_MIN_STEPS steps). */
  readonly epochs?: number;
  /** Quantile of held-out normal distances that maps to score 1.0 (default 0.999). */
  readonly quantile?: number;
}

/**
 * Default hidden widths. Why this size: the serialised int8 model must be at least 3× smaller than
 * fp32, which needs the weights (quantized 4:1) to outweigh per-channel scales, biases and graph
 * overhead; with 13 input features [96, 48] is the smallest mirrored shape that gets there.
 */
export const DEFAULT_HIDDEN: readonly number[] = Object.freeze([96, 48]);
/** Fewest samples a full fit accepts: each calibration fold must still train and hold out. */
export const MIN_FIT_SAMPLES = 8;
/** Mini-batch of a full fit, and of an online step (the new window plus replayed normal windows). */
const BATCH = 16;
const ONLINE_BATCH = 8;
/** Gradient steps of a full fit, whatever the data size (bounded so commissioning stays seconds). */
const FIT_MIN_STEPS = 300;
const FIT_MAX_STEPS = 1200;
/** Normal standardised windows kept for rehearsal, so online steps do not forget older normal. */
const REPLAY_CAPACITY = 512;
/** Online statistics average over about this many windows (exponential forgetting after it). */
const STATS_MEMORY = 2000;
/** Floors in standardised units: a feature reconstructed "perfectly" in training must not turn float noise into alarms. */
const RESIDUAL_SCALE_FLOOR = 0.1;
const LATENT_SCALE_REL_FLOOR = 1e-3;
/** Alarm distance of a channel that was constant in commissioning: 3 residual floors in one feature. */
const FLAT_THRESHOLD_DISTANCE = 3;

const ADAM_STATE = z.object({ mW: z.array(z.number()), vW: z.array(z.number()), mB: z.array(z.number()), vB: z.array(z.number()) });
const LearnerJsonSchema = z.object({
  kind: z.literal('vigil.autoencoderLearner'),
  formatVersion: z.literal(1),
  options: z.object({ seed: z.number().int(), learningRate: z.number().positive(), quantile: z.number().gt(0).lt(1) }),
  params: AutoencoderParamsJsonSchema,
  moments: z.array(ADAM_STATE),
  step: z.number().int().nonnegative(),
  rngState: z.number().int().nonnegative(),
  replay: z.array(z.array(z.number().finite())),
  replaySeen: z.number().int().nonnegative(),
  residualMs: z.array(z.number().nonnegative()),
  latentMean: z.array(z.number()),
  latentVar: z.array(z.number().nonnegative()),
  statCount: z.number().int().nonnegative(),
});

interface LearnerState {
  featureNames: readonly string[];
  centre: Float32Array;
  scale: Float32Array;
  layers: TrainableLayer[];
  encoderDepth: number;
  moments: LayerMoments[];
  step: number;
  rng: SeededUniform;
  replay: Float32Array[];
  replaySeen: number;
  residualMs: Float64Array;
  latentMean: Float64Array;
  latentVar: Float64Array;
  statCount: number;
  threshold: number;
  samplesSeen: number;
  adam: AdamSettings;
  quantile: number;
  seed: number;
}

/**
 * A per-channel autoencoder model of normal that keeps learning online (River-style learner:
 * `learnOne`, `scoreOne`, `clone`, `toJSON` / `fromJSON`). Float32 weights, AdamW, seeded and
 * deterministic: the same seed and the same windows give the same weights bit for bit.
 *
 * Why an autoencoder with a latent term (see AutoencoderParams): it generalises the Mahalanobis
 * model of the spine (a linear autoencoder gives the probabilistic-PCA distance) while learning
 * non-linear structure, and it can be updated one window at a time, which a covariance inverse
 * refitted from scratch cannot do cheaply.
 *
 * The learner decides nothing about what is normal: callers feed `learnOne` only windows judged
 * normal (below alert, sensor quality good, or confirmed by an operator). `scoreOne` never
 * changes the model.
 */
export class AutoencoderLearner {
  private readonly grads: GradientBuffers;

  private constructor(private readonly s: LearnerState) {
    this.grads = new GradientBuffers(s.layers);
  }

  /** Full training from scratch on commissioning windows (time order), with blocked-fold calibration. */
  static fit(samples: readonly Float32Array[], opts: AutoencoderLearnerOptions): AutoencoderLearner {
    const f = opts.featureNames.length;
    const n = samples.length;
    if (f < 1) throw new RangeError('featureNames must not be empty');
    if (new Set(opts.featureNames).size !== f) throw new RangeError('featureNames must be unique');
    if (n < MIN_FIT_SAMPLES) throw new RangeError(`need at least ${MIN_FIT_SAMPLES} samples, got ${n}`);
    samples.forEach((x, i) => checkVector(x, f, `sample ${i}`));
    const quantile = opts.quantile ?? 0.999;
    const { centre, scale } = fitRobustStandardiser(samples, f);
    const zs = samples.map((x) => standardise(x, centre, scale));
    const latent = opts.latent ?? Math.max(1, Math.min(6, f - 1));
    const hidden = opts.hidden ?? DEFAULT_HIDDEN;

    // Calibration: blocked folds (consecutive windows are correlated, so a held-out window's
    // neighbours are held out with it); each fold model gets its own in-sample statistics, as the
    // final model will, and scores the windows it never saw.
    const folds = n >= 24 ? 3 : 2;
    const heldOut: number[] = [];
    for (let k = 0; k < folds; k++) {
      const lo = Math.floor((k * n) / folds);
      const hi = Math.floor(((k + 1) * n) / folds);
      const train = zs.filter((_, i) => i < lo || i >= hi);
      const foldModel = AutoencoderLearner.train(train, { ...opts, featureNames: opts.featureNames, seed: opts.seed + 7919 * (k + 1) }, centre, scale, hidden, latent, 1, quantile);
      for (let i = lo; i < hi; i++) heldOut.push(Math.sqrt(foldModel.distanceSq(zs[i]!)));
    }
    const dims = f + latent;
    // A channel that never moved in commissioning (a flat line) reconstructs perfectly: every
    // held-out distance is 0. Its boundary is then a fixed distance in floor units, not a quantile.
    const degenerate = heldOut.every((d) => d === 0);
    const thresholdDistance = degenerate ? FLAT_THRESHOLD_DISTANCE : calibrateThreshold(heldOut, dims, quantile).threshold;
    return AutoencoderLearner.train(zs, opts, centre, scale, hidden, latent, thresholdDistance / Math.sqrt(dims), quantile);
  }

  /** Restore a learner from {@link toJSON} output (throws a ZodError or RangeError naming the problem). */
  static fromJSON(json: unknown): AutoencoderLearner {
    const j = LearnerJsonSchema.parse(json);
    const p = autoencoderParamsFromJSON(j.params);
    const layers = [...p.encoder, ...p.decoder].map(copyLayer);
    if (j.moments.length !== layers.length) throw new RangeError(`learner has ${j.moments.length} moment sets for ${layers.length} layers`);
    const moments = j.moments.map((m, l) => {
      const w = layers[l]!.inputs * layers[l]!.outputs;
      if (m.mW.length !== w || m.vW.length !== w || m.mB.length !== layers[l]!.outputs || m.vB.length !== layers[l]!.outputs) throw new RangeError(`moments of layer ${l} have the wrong size`);
      return { mW: Float32Array.from(m.mW), vW: Float32Array.from(m.vW), mB: Float32Array.from(m.mB), vB: Float32Array.from(m.vB) };
    });
    const f = p.featureNames.length;
    const k = p.latentCentre.length;
    if (j.residualMs.length !== f || j.latentMean.length !== k || j.latentVar.length !== k) throw new RangeError('learner statistics have the wrong size');
    if (j.replay.some((r) => r.length !== f)) throw new RangeError(`replay windows must have ${f} values`);
    return new AutoencoderLearner({
      featureNames: p.featureNames,
      centre: p.centre,
      scale: p.scale,
      layers,
      encoderDepth: p.encoder.length,
      moments,
      step: j.step,
      rng: new SeededUniform(j.rngState),
      replay: j.replay.map((r) => Float32Array.from(r)),
      replaySeen: j.replaySeen,
      residualMs: Float64Array.from(j.residualMs),
      latentMean: Float64Array.from(j.latentMean),
      latentVar: Float64Array.from(j.latentVar),
      statCount: j.statCount,
      threshold: p.threshold,
      samplesSeen: p.samplesSeen,
      adam: { ...DEFAULT_ADAM, learningRate: j.options.learningRate },
      quantile: j.options.quantile,
      seed: j.options.seed,
    });
  }

  /**
   * A learner that continues from frozen params (a registry version after a restart or a
   * rollback): fresh optimiser moments and an empty replay reservoir, statistics seeded from the
   * params so its scores equal the params' scores until it learns.
   */
  static fromParams(p: AutoencoderParams, seed: number, learningRate = 3e-3): AutoencoderLearner {
    const layers = [...p.encoder, ...p.decoder].map(copyLayer);
    const k = p.latentCentre.length;
    return new AutoencoderLearner({
      featureNames: Object.freeze([...p.featureNames]),
      centre: Float32Array.from(p.centre),
      scale: Float32Array.from(p.scale),
      layers,
      encoderDepth: p.encoder.length,
      moments: layers.map(zeroMoments),
      step: 0,
      rng: new SeededUniform(seed),
      replay: [],
      replaySeen: 0,
      residualMs: Float64Array.from(p.residualScale, (s) => s * s),
      latentMean: Float64Array.from(p.latentCentre),
      latentVar: Float64Array.from({ length: k }, (_, j) => p.latentScale[j]! * p.latentScale[j]!),
      statCount: Math.min(p.samplesSeen, STATS_MEMORY),
      threshold: p.threshold,
      samplesSeen: p.samplesSeen,
      adam: { ...DEFAULT_ADAM, learningRate },
      quantile: 0.999,
      seed,
    });
  }

  private static train(
    zs: readonly Float32Array[],
    opts: AutoencoderLearnerOptions,
    centre: Float32Array,
    scale: Float32Array,
    hidden: readonly number[],
    latent: number,
    threshold: number,
    quantile: number,
  ): AutoencoderLearner {
    const f = centre.length;
    const rng = new SeededUniform(opts.seed);
    const uniform = (): number => rng.next();
    const widths = [f, ...hidden, latent, ...[...hidden].reverse(), f];
    const layers: TrainableLayer[] = [];
    for (let l = 0; l + 1 < widths.length; l++) {
      const isLatent = l === hidden.length;
      const isOutput = l === widths.length - 2;
      layers.push(initLayer(widths[l]!, widths[l + 1]!, isLatent || isOutput ? 'linear' : 'tanh', uniform));
    }
    const k = latent;
    const learner = new AutoencoderLearner({
      featureNames: Object.freeze([...opts.featureNames]),
      centre,
      scale,
      layers,
      encoderDepth: hidden.length + 1,
      moments: layers.map(zeroMoments),
      step: 0,
      rng,
      replay: [],
      replaySeen: 0,
      residualMs: new Float64Array(f),
      latentMean: new Float64Array(k),
      latentVar: new Float64Array(k),
      statCount: 0,
      threshold,
      samplesSeen: 0,
      adam: { ...DEFAULT_ADAM, learningRate: opts.learningRate ?? 3e-3 },
      quantile,
      seed: opts.seed,
    });
    const n = zs.length;
    const steps = opts.epochs !== undefined ? Math.ceil((opts.epochs * n) / BATCH) : Math.min(FIT_MAX_STEPS, Math.max(FIT_MIN_STEPS, Math.ceil((60 * n) / BATCH)));
    const order = Array.from({ length: n }, (_, i) => i);
    let pos = n;
    for (let step = 0; step < steps; step++) {
      learner.grads.zero();
      const b = Math.min(BATCH, n);
      for (let i = 0; i < b; i++) {
        if (pos >= n) {
          shuffle(order, rng);
          pos = 0;
        }
        learner.grads.accumulate(layers, zs[order[pos++]!]!, 1 / b);
      }
      adamStep(layers, learner.s.moments, learner.grads, ++learner.s.step, learner.s.adam);
    }
    // Quantization-aware end of training: the weights are projected onto the per-channel int8 grid
    // and the score statistics are taken with the projected network, so the commissioned model that
    // production runs in int8 is exactly the model that was calibrated.
    for (const layer of layers) layer.weights.set(quantizeLayer(layer).dequantized);
    learner.resetStatistics(zs);
    for (const z0 of zs) learner.remember(z0);
    learner.s.samplesSeen = n;
    return learner;
  }

  /** Feature names, in vector order. */
  get featureNames(): readonly string[] {
    return this.s.featureNames;
  }

  /** Normal windows learned from so far (commissioning plus online). */
  get samplesSeen(): number {
    return this.s.samplesSeen;
  }

  /**
   * One online step on a window judged normal: an AdamW step on it plus windows replayed from the
   * normal reservoir, then the score statistics follow. Does not mutate `x`.
   */
  learnOne(x: Float32Array): void {
    const s = this.s;
    const f = s.centre.length;
    checkVector(x, f, 'window');
    const zx = standardise(x, s.centre, s.scale);
    const replayed = Math.min(ONLINE_BATCH - 1, s.replay.length);
    const w = 1 / (replayed + 1);
    this.grads.zero();
    this.grads.accumulate(s.layers, zx, w);
    for (let i = 0; i < replayed; i++) this.grads.accumulate(s.layers, s.replay[s.rng.below(s.replay.length)]!, w);
    adamStep(s.layers, s.moments, this.grads, ++s.step, s.adam);
    this.remember(zx);
    this.observeStatistics(zx);
    s.samplesSeen++;
  }

  /** Calibrated score (1.0 = alarm boundary); pure: the model is not changed. */
  scoreOne(x: Float32Array): number {
    return forwardAutoencoder(this.view(), x).meanSquare ** 0.5 / this.s.threshold;
  }

  /**
   * A frozen deep copy of the current parameters (what the ONNX builder and the registry take),
   * weights projected onto the per-channel int8 grid: the fp32 and int8 graphs built from them
   * then compute the same function, so choosing int8 for production changes no detection.
   */
  params(): AutoencoderParams {
    const v = this.view();
    const snap = (l: TrainableLayer): TrainableLayer => ({ ...copyLayer(l), weights: quantizeLayer(l).dequantized });
    return {
      featureNames: Object.freeze([...v.featureNames]),
      centre: Float32Array.from(v.centre),
      scale: Float32Array.from(v.scale),
      encoder: v.encoder.map(snap),
      decoder: v.decoder.map(snap),
      latentCentre: v.latentCentre,
      latentScale: v.latentScale,
      residualScale: v.residualScale,
      threshold: v.threshold,
      samplesSeen: v.samplesSeen,
    };
  }

  /** An independent copy with the same state: it learns and scores exactly as this one would. */
  clone(): AutoencoderLearner {
    return AutoencoderLearner.fromJSON(this.toJSON());
  }

  /** Everything needed to continue learning elsewhere (another worker, after a restart). */
  toJSON(): z.infer<typeof LearnerJsonSchema> {
    const s = this.s;
    return {
      kind: 'vigil.autoencoderLearner',
      formatVersion: 1,
      options: { seed: s.seed, learningRate: s.adam.learningRate, quantile: s.quantile },
      params: autoencoderParamsToJSON(this.view()),
      moments: s.moments.map((m) => ({ mW: Array.from(m.mW), vW: Array.from(m.vW), mB: Array.from(m.mB), vB: Array.from(m.vB) })),
      step: s.step,
      rngState: s.rng.stateValue,
      replay: s.replay.map((r) => Array.from(r)),
      replaySeen: s.replaySeen,
      residualMs: Array.from(s.residualMs),
      latentMean: Array.from(s.latentMean),
      latentVar: Array.from(s.latentVar),
      statCount: s.statCount,
    };
  }

  /** Squared standardised distance d² of a standardised vector (calibration folds). */
  private distanceSq(zx: Float32Array): number {
    const v = this.view();
    const tr = forwardStandardised(v, zx);
    return tr.meanSquare * (v.featureNames.length + v.latentCentre.length);
  }

  /** Params aliasing the live arrays (scoring only; never handed out). */
  private view(): AutoencoderParams {
    const s = this.s;
    const k = s.latentMean.length;
    const latentStd = Array.from(s.latentVar, (v) => Math.sqrt(v));
    const latentFloor = Math.max(1e-6, LATENT_SCALE_REL_FLOOR * Math.max(...latentStd));
    return {
      featureNames: s.featureNames,
      centre: s.centre,
      scale: s.scale,
      encoder: s.layers.slice(0, s.encoderDepth),
      decoder: s.layers.slice(s.encoderDepth),
      latentCentre: Float32Array.from(s.latentMean),
      latentScale: Float32Array.from({ length: k }, (_, j) => Math.max(latentFloor, latentStd[j]!)),
      residualScale: Float32Array.from(s.residualMs, (m) => Math.max(RESIDUAL_SCALE_FLOOR, Math.sqrt(m))),
      threshold: s.threshold,
      samplesSeen: s.samplesSeen,
    };
  }

  private resetStatistics(zs: readonly Float32Array[]): void {
    const s = this.s;
    s.residualMs.fill(0);
    s.latentMean.fill(0);
    s.latentVar.fill(0);
    s.statCount = 0;
    for (const zx of zs) this.observeStatistics(zx);
  }

  /** Running mean square of residuals and mean/variance of the latent code (Welford, then exponential after STATS_MEMORY). */
  private observeStatistics(zx: Float32Array): void {
    const s = this.s;
    const tr = forwardStandardised(this.view(), zx);
    s.statCount++;
    const a = 1 / Math.min(s.statCount, STATS_MEMORY);
    for (let i = 0; i < zx.length; i++) {
      const r = zx[i]! - tr.reconstruction[i]!;
      s.residualMs[i] = s.residualMs[i]! + a * (r * r - s.residualMs[i]!);
    }
    for (let j = 0; j < s.latentMean.length; j++) {
      const d = tr.latent[j]! - s.latentMean[j]!;
      s.latentMean[j] = s.latentMean[j]! + a * d;
      s.latentVar[j] = (1 - a) * (s.latentVar[j]! + a * d * d);
    }
  }

  /** Reservoir sampling: every normal window seen so far has the same chance to be replayed. */
  private remember(zx: Float32Array): void {
    const s = this.s;
    s.replaySeen++;
    if (s.replay.length < REPLAY_CAPACITY) s.replay.push(zx);
    else {
      const j = s.rng.below(s.replaySeen);
      if (j < REPLAY_CAPACITY) s.replay[j] = zx;
    }
  }
}

function checkVector(x: Float32Array, f: number, what: string): void {
  if (!(x instanceof Float32Array)) throw new RangeError(`${what} must be a Float32Array`);
  if (x.length !== f) throw new RangeError(`${what} has ${x.length} values, expected ${f}`);
  for (let i = 0; i < f; i++) if (!Number.isFinite(x[i]!)) throw new RangeError(`${what} feature ${i} is not finite (${x[i]})`);
}

function standardise(x: Float32Array, centre: Float32Array, scale: Float32Array): Float32Array {
  const zx = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) zx[i] = (x[i]! - centre[i]!) / scale[i]!;
  return zx;
}

function shuffle(a: number[], rng: SeededUniform): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}
