import { z } from 'zod';

/** Amplitudes in the envelope spectrum at the bearing defect frequencies (sum over the first harmonics). */
export interface EnvelopeFeatures {
  /** Demodulation band chosen for the structural resonance (spectral kurtosis). */
  bandLowHz: number;
  bandHighHz: number;
  bpfoG: number;
  bpfiG: number;
  bsfG: number;
  ftfG: number;
  /** Median amplitude of the envelope spectrum in the searched range: the noise floor the lines stand on. */
  floorG: number;
}

/**
 * Features of one analysis window of one channel, computed once per hop and kept in the feature cache.
 * Units are in the names; acceleration is in the channel's unit (g for the recordings).
 */
export interface FeatureSet {
  assetId: string;
  channelId: string;
  /** Epoch ms of the last sample in the window. */
  endMs: number;
  shaftHz: number;
  rmsG: number;
  peakG: number;
  crest: number;
  /** Excess kurtosis (0 for Gaussian noise; impacts push it up). */
  kurtosis: number;
  skewness: number;
  /** ISO 20816 broadband velocity RMS, 10–1000 Hz, by integration in the frequency domain. */
  velocityRmsMmS: number;
  /** Spectrum amplitude (peak, g) at 1x, 2x, 3x shaft speed. */
  order1G: number;
  order2G: number;
  order3G: number;
  envelope: EnvelopeFeatures;
}

/** The likely fault named by diagnosis. */
export const FAULT_KINDS = ['inner_race', 'outer_race', 'ball', 'cage', 'imbalance_misalignment', 'unknown'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** One piece of evidence behind a diagnosis: which quantity, at which frequency, how far above baseline. */
export interface Evidence {
  feature: string;
  freqHz: number | null;
  value: number;
  baseline: number;
  /** value / baseline. */
  ratio: number;
}

export interface Diagnosis {
  fault: FaultKind;
  /** 0..1: how clearly the evidence points at this fault rather than the next candidate. */
  confidence: number;
  evidence: Evidence[];
}

export const DiagnosisSchema = z.object({
  fault: z.enum(FAULT_KINDS),
  confidence: z.number().min(0).max(1),
  evidence: z.array(
    z.object({ feature: z.string(), freqHz: z.number().nullable(), value: z.number(), baseline: z.number(), ratio: z.number() }),
  ),
});
