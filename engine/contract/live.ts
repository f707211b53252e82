import { z } from 'zod';
import { DiagnosisSchema } from './features';
import { QUALITY_STATES } from './frame';

/**
 * The asset page's live view (`asset.live`): the latest analysis window of each waveform channel
 * as a chart draws it, and the recent minutes of score and velocity. A front end asks for it at a
 * fixed rate (never per sample) and gets one bounded, columnar frame: parallel arrays of plain
 * numbers, at most `LIVE_MAX_POINTS` per series, rounded to what a chart can show.
 */

/** Most values in one series of a live view: more than any chart is wide, few enough to send ten times a second. */
export const LIVE_MAX_POINTS = 2000;
/** Most waveform channels one asset's view carries. */
export const LIVE_MAX_CHANNELS = 16;
/** Most model features listed as drivers of the score. */
export const LIVE_MAX_FEATURES = 64;

/** Marker labels: shaft speed and the four bearing defect frequencies (BSF as the impact rate, twice the spin, as CWRU counts it). */
export const LIVE_MARKERS = ['1x', 'BPFI', 'BPFO', 'BSF', 'FTF'] as const;
export type LiveMarkerLabel = (typeof LIVE_MARKERS)[number];

const series = z.array(z.number()).max(LIVE_MAX_POINTS);
const gappedSeries = z.array(z.number().nullable()).max(LIVE_MAX_POINTS);

/** The latest window's samples, min/max-decimated when longer than LIVE_MAX_POINTS (a spike between columns still shows). */
export const LiveWaveformSchema = z
  .object({
    /** Engine time of the window's last sample (epoch ms). */
    endMs: z.number(),
    sampleRateHz: z.number().positive(),
    /** Samples in the window before decimation. */
    sampleCount: z.number().int().min(0),
    /** Sample index of each point, 0 = oldest; ascending. */
    index: z.array(z.number().int().min(0)).max(LIVE_MAX_POINTS),
    /** Acceleration at each point, in the channel's unit (g). */
    valueG: series,
  })
  .refine((w) => w.index.length === w.valueG.length, { message: 'index and valueG must have the same length' });
export type LiveWaveform = z.infer<typeof LiveWaveformSchema>;

/**
 * A single-sided amplitude spectrum: value k is at `startHz + k × stepHz`. When the transform has
 * more bins than LIVE_MAX_POINTS, each value is the largest of `stepHz / binHz` adjacent bins, so a
 * line keeps its height (an average would flatten it).
 */
export const LiveSpectrumSchema = z.object({
  startHz: z.number().min(0),
  stepHz: z.number().positive(),
  /** The transform's own resolution (sample rate / window size). */
  binHz: z.number().positive(),
  amplitudeG: series,
});
export type LiveSpectrum = z.infer<typeof LiveSpectrumSchema>;

/** The envelope spectrum of the demodulated band, with the band the kurtogram chose. */
export const LiveEnvelopeSchema = LiveSpectrumSchema.extend({
  bandLowHz: z.number().min(0),
  bandHighHz: z.number().min(0),
});
export type LiveEnvelope = z.infer<typeof LiveEnvelopeSchema>;

/** Where to draw one frequency marker, at the window's shaft speed. */
export const LiveMarkerSchema = z.object({ label: z.enum(LIVE_MARKERS), freqHz: z.number().positive() });
export type LiveMarker = z.infer<typeof LiveMarkerSchema>;

/** Alert and danger of one setpoint group watching this channel, as in force now (trip multiply of the operating state applied). */
export const LiveLevelSchema = z.object({
  groupId: z.string(),
  quantity: z.enum(['score', 'velocityMmS']),
  alert: z.number(),
  danger: z.number(),
  /** The factor applied to the configured levels (1 unless the machine is starting up with a trip multiply). */
  tripMultiply: z.number().min(1),
});
export type LiveLevel = z.infer<typeof LiveLevelSchema>;

/**
 * The recent minutes of the learned score and ISO velocity, one point per `bucketMs` (the largest
 * window value in it: a protection trend must not average a peak away). null where no window was
 * scored (commissioning, off regime) or no velocity exists.
 */
export const LiveTrendSchema = z
  .object({
    bucketMs: z.number().positive(),
    /** Start of each bucket (engine time, epoch ms), ascending. */
    tMs: series,
    score: gappedSeries,
    velocityMmS: gappedSeries,
  })
  .refine((t) => t.score.length === t.tMs.length && t.velocityMmS.length === t.tMs.length, { message: 'trend columns must have the same length' });
export type LiveTrend = z.infer<typeof LiveTrendSchema>;

/** One model input's part in the latest score. */
export const LiveContributionSchema = z.object({
  feature: z.string(),
  /** Its share of the squared distance the score is made of (0..1; the shares and `latentShare` sum to 1). */
  share: z.number().min(0).max(1),
  /** The input in robust standard deviations from its commissioning median ((x − median) / scale). */
  deviation: z.number(),
  /** What the model could not reconstruct, in units of the feature's normal residual (signed). */
  residual: z.number(),
});
export type LiveContribution = z.infer<typeof LiveContributionSchema>;

/**
 * Which inputs drive the score of the latest window. How it is computed (method
 * 'autoencoder-distance'): the production model's fp32 weights are run on the window's feature
 * vector; the score is sqrt(d² / (F + K)) / threshold with d² = Σ residualᵢ² (one term per input)
 * + the latent term (distance along the normal manifold, not attributable to a single input), so
 * each input's share is residualᵢ² / d². `referenceScore` is that fp32 score; the production score
 * comes from the int8 model and may differ in the second decimal.
 */
export const LiveContributionsSchema = z.object({
  method: z.literal('autoencoder-distance'),
  modelVersion: z.string(),
  referenceScore: z.number(),
  latentShare: z.number().min(0).max(1),
  /** Largest share first. */
  features: z.array(LiveContributionSchema).max(LIVE_MAX_FEATURES),
});
export type LiveContributions = z.infer<typeof LiveContributionsSchema>;

/** One waveform channel of the asset. */
export const LiveChannelSchema = z.object({
  channelId: z.string(),
  quality: z.enum(QUALITY_STATES),
  /** Engine time of the last analysed window (its last sample, as the source timestamps it), null before the first. */
  lastWindowMs: z.number().nullable(),
  /**
   * Engine clock when that window arrived. Compare it with `atMs` to tell live from stale: a source's
   * timestamps may run behind the clock by a constant (buffering, a late start) while data still flows.
   */
  receivedMs: z.number().nullable(),
  shaftHz: z.number().nullable(),
  /** Latest window's score (null while commissioning or unscored) and ISO velocity. */
  score: z.number().nullable(),
  velocityMmS: z.number().nullable(),
  waveform: LiveWaveformSchema.nullable(),
  spectrum: LiveSpectrumSchema.nullable(),
  envelope: LiveEnvelopeSchema.nullable(),
  markers: z.array(LiveMarkerSchema).max(LIVE_MARKERS.length),
  levels: z.array(LiveLevelSchema).max(64),
  trend: LiveTrendSchema,
  contributions: LiveContributionsSchema.nullable(),
  /** Why a part is missing (no window yet, no model yet), in words; null when everything is there. */
  note: z.string().nullable(),
});
export type LiveChannel = z.infer<typeof LiveChannelSchema>;

/** The asset's diagnosis: the one its alarm carries ('alarm'), or, while normal, the evidence of the recent windows ('recent'). */
export const LiveDiagnosisSchema = DiagnosisSchema.extend({ source: z.enum(['alarm', 'recent']) });
export type LiveDiagnosis = z.infer<typeof LiveDiagnosisSchema>;

/** The reply to `asset.live`. */
export const LiveViewSchema = z.object({
  assetId: z.string(),
  name: z.string(),
  /** Engine clock when the view was built: compare `lastWindowMs` with it to tell live from stale. */
  atMs: z.number(),
  level: z.enum(['normal', 'alert', 'danger']),
  latched: z.boolean(),
  operatingState: z.enum(['running', 'startup', 'stopped']),
  modelVersion: z.string().nullable(),
  diagnosis: LiveDiagnosisSchema.nullable(),
  channels: z.array(LiveChannelSchema).max(LIVE_MAX_CHANNELS),
});
export type LiveView = z.infer<typeof LiveViewSchema>;
