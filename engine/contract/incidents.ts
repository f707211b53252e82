import { z } from 'zod';

/**
 * Incident review: the replies of `incidents.snapshot`, `incidents.moment` and `incidents.export`,
 * which let a reviewer scrub through an incident's raw waveform, spectrum and score. Every size is
 * bounded here, whatever the snapshot holds (up to 2^23 samples), so one reply stays small enough
 * for a WebSocket message and a canvas that never blocks the page.
 */

/** Most points `incidents.snapshot` returns for one range: enough for any screen. */
export const MAX_SERIES_POINTS = 2000;
/** Most raw samples in a moment's waveform window; the engine's window is halved until it fits. */
export const MAX_MOMENT_SAMPLES = 2000;
/** Most bins of a moment's spectrum (a window of ≤ `MAX_MOMENT_SAMPLES` samples gives ≤ 1001). */
export const MAX_SPECTRUM_BINS = 2000;

/** What armed a snapshot: the first alert (the incident opened) or the trip command. */
export const SnapshotTriggerSchema = z.enum(['alert', 'trip']);
export type SnapshotTriggerName = z.infer<typeof SnapshotTriggerSchema>;

/** The formats `incidents.export` writes: the CLI's printable HTML, or JSON with decimated snapshots. */
export const IncidentExportFormatSchema = z.enum(['html', 'json']);
export type IncidentExportFormat = z.infer<typeof IncidentExportFormatSchema>;

/**
 * The score's alert and danger levels for one channel, from the protection configuration the
 * incident opened under (before trip multiply), or from the asset's setpoints when that version
 * is the engine's built-in one. Null when neither names a score level for the channel.
 */
export const ScoreLevelsSchema = z.object({
  alert: z.number(),
  danger: z.number(),
  /** The setpoint group, or null for the asset's own setpoints. */
  groupId: z.string().nullable(),
  /** The configuration version read, or null when the asset's setpoints were used. */
  configVersion: z.string().nullable(),
});
export type ScoreLevels = z.infer<typeof ScoreLevelsSchema>;

/**
 * The stored 1-second score of one channel over a span: each value is the highest score of the
 * windows that ended in that second (the feature history the backtest replays); null where none
 * was stored.
 */
export const ScoreTrackSchema = z.object({
  channelId: z.string(),
  startMs: z.number(),
  periodMs: z.number(),
  values: z.array(z.number().nullable()),
  levels: ScoreLevelsSchema.nullable(),
});
export type ScoreTrack = z.infer<typeof ScoreTrackSchema>;

/** Identity and extent of one stored snapshot. */
export const SnapshotMetaSchema = z.object({
  incidentId: z.string(),
  assetId: z.string(),
  channelId: z.string(),
  trigger: SnapshotTriggerSchema,
  triggerMs: z.number(),
  /** Time of the first sample. */
  startMs: z.number(),
  /** Time just after the last sample: startMs + sampleCount / sampleRateHz. */
  endMs: z.number(),
  sampleRateHz: z.number(),
  shaftHz: z.number().nullable(),
  /** Index of the trigger sample (the first at or after triggerMs). */
  preSamples: z.number().int(),
  sampleCount: z.number().int(),
  complete: z.boolean(),
});
export type SnapshotMeta = z.infer<typeof SnapshotMetaSchema>;

/**
 * `incidents.snapshot`: one snapshot's samples over a range, columnar. When the range holds more
 * samples than asked for, each of ≤ maxPoints/2 columns gives its smallest and largest sample in
 * the order they occur, so a peak between columns survives and the min and max over the range are
 * exact. Non-finite samples (a sensor fault's NaN or ±Infinity) are left out and counted.
 */
export const SnapshotSeriesSchema = SnapshotMetaSchema.extend({
  /** The range served: [fromIndex, toIndex) of the samples, [fromMs, toMs) in time. */
  range: z.object({ fromMs: z.number(), toMs: z.number(), fromIndex: z.number().int(), toIndex: z.number().int() }),
  /** False when every finite sample of the range is in `points`. */
  decimated: z.boolean(),
  points: z.object({
    /** Sample index within the snapshot. */
    index: z.array(z.number().int()),
    timeMs: z.array(z.number()),
    value: z.array(z.number()),
  }),
  /** Smallest and largest finite sample of the range; null when it holds none. */
  min: z.number().nullable(),
  max: z.number().nullable(),
  nonFiniteSamples: z.number().int(),
  /** The channel's stored score over the range (whole seconds that overlap it). */
  score: ScoreTrackSchema,
});
export type SnapshotSeries = z.infer<typeof SnapshotSeriesSchema>;

/** The raw samples of a moment's window (null for a non-finite sample), index-aligned. */
export const MomentWaveformSchema = z.object({
  startMs: z.number(),
  sampleRateHz: z.number(),
  /** Snapshot index of values[0]. */
  fromIndex: z.number().int(),
  /** Snapshot index of the moment's sample (the first at or after atMs). */
  atIndex: z.number().int(),
  /** The analysis window of the channel's engine, or null when the stored asset has none. */
  engineWindowSamples: z.number().int().nullable(),
  values: z.array(z.number().nullable()).max(MAX_MOMENT_SAMPLES),
});
export type MomentWaveform = z.infer<typeof MomentWaveformSchema>;

/**
 * A moment's single-sided amplitude spectrum, computed with the engine's FFT and Hann window
 * (`AmplitudeSpectrum`): bin k is at k · binHz, and a sine on a bin reads its peak amplitude in
 * the samples' unit. Non-finite samples are taken as 0 and counted.
 */
export const MomentSpectrumSchema = z.object({
  sizeSamples: z.number().int(),
  binHz: z.number(),
  amplitude: z.array(z.number()).max(MAX_SPECTRUM_BINS),
  /** Strongest bin above DC. */
  peak: z.object({ bin: z.number().int(), freqHz: z.number(), amplitude: z.number() }),
  nonFiniteSamples: z.number().int(),
});
export type MomentSpectrum = z.infer<typeof MomentSpectrumSchema>;

/** The score and alarm level in force at a moment, from the stored records. */
export const MomentScoreSchema = z.object({
  /** Start of the stored second that holds the moment. */
  secondStartMs: z.number(),
  /** Highest score of the windows that ended in that second; null when none was stored. */
  value: z.number().nullable(),
  velocityMmS: z.number().nullable(),
  /** The asset's alarm level after its last level change at or before the moment. */
  level: z.enum(['normal', 'alert', 'danger']),
  /** When that level was taken; null when no change preceded the moment. */
  levelSinceMs: z.number().nullable(),
  levels: ScoreLevelsSchema.nullable(),
});
export type MomentScore = z.infer<typeof MomentScoreSchema>;

/**
 * `incidents.moment`: what the machine did at one moment of an incident. `outside` says in a
 * sentence why there is no waveform (no snapshot of the channel covers the moment); the score and
 * level come from other records, so they are answered either way.
 */
export const IncidentMomentSchema = z.object({
  incidentId: z.string(),
  assetId: z.string(),
  atMs: z.number(),
  channelId: z.string(),
  snapshot: SnapshotMetaSchema.nullable(),
  outside: z.string().nullable(),
  waveform: MomentWaveformSchema.nullable(),
  spectrum: MomentSpectrumSchema.nullable(),
  score: MomentScoreSchema,
});
export type IncidentMoment = z.infer<typeof IncidentMomentSchema>;

/** `incidents.export`: a file to save, as text. */
export const IncidentExportSchema = z.object({
  fileName: z.string(),
  mediaType: z.enum(['text/html', 'application/json']),
  text: z.string(),
});
export type IncidentExport = z.infer<typeof IncidentExportSchema>;
