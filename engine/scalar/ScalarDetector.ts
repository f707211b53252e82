import { AnomalyLikelihood, type AnomalyLikelihoodOptions } from './AnomalyLikelihood';
import { ScalarFeatures, type ScalarFeatureOptions } from './ScalarFeatures';

/** The part of a Vigil learner the scalar detector uses (AutoencoderLearner satisfies it). */
export interface ScalarLearner {
  learnOne(x: Float32Array): void;
  scoreOne(x: Float32Array): number;
}

/** Trains a learner from scratch on commissioning vectors; calibrated so 1.0 ≈ the edge of normal. */
export type ScalarLearnerFit = (samples: readonly Float32Array[], featureNames: readonly string[], seed: number) => ScalarLearner;

/** How a stream is commissioned, scored and post-processed. */
export interface ScalarDetectorOptions {
  /** Seeds the learner, so a run is reproducible bit for bit. */
  readonly seed: number;
  /** Rows at the start of the stream used only for commissioning (NAB gives every detector this). */
  readonly probationRows: number;
  /** Builds the learner at the end of probation. */
  readonly fit: ScalarLearnerFit;
  readonly features?: ScalarFeatureOptions;
  readonly likelihood?: AnomalyLikelihoodOptions;
  /**
   * First rows of the stream left out of commissioning because the feature averages are still
   * warming up. Default min(20, probationRows / 4).
   */
  readonly warmupRows?: number;
  /**
   * Rows after a detection during which the detector stays quiet (scores capped below
   * `fireLevel`). Default 100. Why: once an event has been reported, reporting it again on every
   * following row tells the operator nothing (and, in NAB, costs a false positive whenever the event
   * outlasts its window); a new event after the quiet period is reported again.
   */
  readonly refractoryRows?: number;
  /** Likelihood at which a row counts as a detection for the refractory stage. Default 0.3 (tail 1e-3). */
  readonly fireLevel?: number;
  /** Commissioning rows needed at least; shorter probations fall back to this many. Default 30. */
  readonly minCommissioningRows?: number;
}

/** The stages of one row, for reports and tests. */
export interface ScalarStep {
  /** Final NAB-style anomaly score in [0,1] (0 during commissioning). */
  readonly score: number;
  /** The learner's calibrated score (1.0 = edge of normal), NaN during commissioning. */
  readonly learnerScore: number;
  /** Anomaly likelihood before the refractory stage. */
  readonly likelihood: number;
  /** Whether the row was learned as normal. */
  readonly learned: boolean;
}

/**
 * Online anomaly detector for a single-value stream, built on Vigil's own learner so that the
 * same learning machinery that watches a machine's vibration features scores metric streams.
 *
 * Per row: features → (probation: collect; at its end: fit) → learner score → learnOne only if the
 * row looked normal (score < 1.0: a developing anomaly is never learned as normal, the vibration
 * engine's rule) → anomaly likelihood of the squashed score → refractory. Strictly online: the score
 * of row t depends only on rows ≤ t. Deterministic for a seed.
 */
export class ScalarDetector {
  private readonly features: ScalarFeatures;
  private readonly likelihood: AnomalyLikelihood;
  private readonly commissioning: Float32Array[] = [];
  private readonly probationRows: number;
  private readonly warmupRows: number;
  private readonly refractoryRows: number;
  private readonly fireLevel: number;
  private lastFireRow = -Infinity;
  private learner: ScalarLearner | null = null;
  private readySeen = false;
  private rows = 0;

  constructor(private readonly opts: ScalarDetectorOptions) {
    const minRows = opts.minCommissioningRows ?? 30;
    this.probationRows = Math.max(Math.floor(opts.probationRows), minRows);
    this.warmupRows = Math.min(opts.warmupRows ?? 20, Math.floor(this.probationRows / 4));
    this.refractoryRows = Math.max(0, Math.floor(opts.refractoryRows ?? 100));
    this.fireLevel = opts.fireLevel ?? 0.3;
    this.features = new ScalarFeatures(opts.features);
    this.likelihood = new AnomalyLikelihood(opts.likelihood);
  }

  /** Rows consumed so far. */
  get rowsSeen(): number {
    return this.rows;
  }

  /** Consume one row; returns its anomaly score in [0,1]. */
  step(timeMs: number, value: number): number {
    return this.stepDetail(timeMs, value).score;
  }

  /** Consume one row; returns every stage of its scoring. */
  stepDetail(timeMs: number, value: number): ScalarStep {
    const x = this.features.push(timeMs, value, new Float32Array(this.features.size));
    const row = this.rows++;
    if (this.learner === null) {
      // Rows before every feature is defined are dropped once it is, if half the probation is left.
      if (this.features.ready && !this.readySeen) {
        this.readySeen = true;
        if (row <= this.probationRows / 2) this.commissioning.length = 0;
      }
      if (row >= this.warmupRows) this.commissioning.push(x);
      if (row === this.probationRows - 1) this.commission();
      return { score: 0, learnerScore: NaN, likelihood: 0, learned: false };
    }
    const learnerScore = this.learner.scoreOne(x);
    const learned = learnerScore < 1;
    if (learned) this.learner.learnOne(x);
    const likelihood = this.likelihood.update(squash(learnerScore));
    return { score: this.refractory(likelihood), learnerScore, likelihood, learned };
  }

  /**
   * Fit on the commissioning rows, then prime the likelihood history with their scores so it has an
   * idea of "usual" from the first scored row on. These in-sample scores run a little low, which errs
   * towards sensitivity early on; holding a third of probation out of the fit to prime with honest
   * scores was tried and scored lower on NAB (less data to fit).
   */
  private commission(): void {
    this.learner = this.opts.fit(this.commissioning, this.features.names, this.opts.seed);
    for (const x of this.commissioning) this.likelihood.update(squash(this.learner.scoreOne(x)));
    this.commissioning.length = 0;
  }

  /**
   * The first row at or above `fireLevel` is a detection; for `refractoryRows` after it every
   * score is capped just below `fireLevel`, so whatever threshold is chosen at or above that level,
   * one event gives one detection.
   */
  private refractory(likelihood: number): number {
    const row = this.rows - 1;
    if (row - this.lastFireRow <= this.refractoryRows) return Math.min(likelihood, this.fireLevel * 0.999);
    if (likelihood >= this.fireLevel) this.lastFireRow = row;
    return likelihood;
  }
}

/** Calibrated learner score (≥ 0, unbounded) → [0,1): 1.0, the edge of normal, maps to 0.5. */
export function squash(learnerScore: number): number {
  if (!Number.isFinite(learnerScore)) return 1;
  const s = Math.max(0, learnerScore);
  return s / (1 + s);
}
