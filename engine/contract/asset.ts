import { z } from 'zod';

/**
 * Rolling-element bearing geometry. Defect frequencies follow from it and the shaft speed;
 * `multiples` overrides the computed ones where the maker publishes its own values (CWRU does).
 */
export const BearingSchema = z.object({
  name: z.string().min(1),
  rollingElements: z.number().int().positive(),
  rollerDiameterMm: z.number().positive(),
  pitchDiameterMm: z.number().positive(),
  contactAngleDeg: z.number().min(0).max(60),
  multiples: z
    .object({ bpfo: z.number().positive(), bpfi: z.number().positive(), bsf: z.number().positive(), ftf: z.number().positive() })
    .optional(),
});
export type Bearing = z.infer<typeof BearingSchema>;

/** Alert/danger levels for one measured quantity, with an on-delay in consecutive windows. */
export const SetpointSchema = z
  .object({
    alert: z.number().positive(),
    danger: z.number().positive(),
    /** Number of consecutive windows above the level before the state changes (0 = immediate). */
    onDelayWindows: z.number().int().min(0).max(1000),
  })
  .refine((s) => s.danger >= s.alert, { message: 'danger must be at or above alert' });
export type Setpoint = z.infer<typeof SetpointSchema>;

export const ChannelConfigSchema = z.object({
  channelId: z.string().min(1),
  sampleRateHz: z.number().positive(),
  /** Samples per analysis window (power of two). */
  windowSize: z.number().int().min(256).max(65536).refine((n) => (n & (n - 1)) === 0, 'windowSize must be a power of two'),
  /** Samples between successive windows. */
  hopSize: z.number().int().positive(),
  /** Largest frame accepted, in samples. */
  maxFrameSamples: z.number().int().positive(),
});
export type ChannelConfig = z.infer<typeof ChannelConfigSchema>;

/**
 * A channel that delivers one feature vector per snapshot instead of a waveform (a data
 * acquisition unit that computes its own features, or historical feature tables such as IMS).
 */
export const VectorChannelConfigSchema = z.object({
  channelId: z.string().min(1),
  featureNames: z.array(z.string().min(1)).min(1),
  /** Features that measure signal level (RMS, mean |x|): log-scaled for the model and watched for a dead sensor. */
  levelFeatures: z.array(z.string().min(1)).min(1),
  /** A snapshot whose level features all fall below this fraction of the commissioning median is bad quality. */
  deadBelowFraction: z.number().positive().max(1).default(0.1),
  /** Usual time between snapshots, in ms (1000 when absent): turns a setpoint's on-delay in windows into time. */
  periodMs: z.number().positive().optional(),
});
export type VectorChannelConfig = z.infer<typeof VectorChannelConfigSchema>;

/** Everything the engine needs to know about one machine. */
export const AssetConfigSchema = z.object({
  assetId: z.string().min(1).max(128),
  name: z.string().min(1),
  bearing: BearingSchema,
  /** Nominal shaft speed, used when frames carry none. */
  nominalShaftHz: z.number().positive(),
  channels: z.array(ChannelConfigSchema),
  vectorChannels: z.array(VectorChannelConfigSchema).optional(),
  setpoints: z.object({
    /** The learned score: 1.0 is the commissioning data's 99.9th percentile. */
    score: SetpointSchema,
    /** ISO 20816 velocity RMS 10–1000 Hz in mm/s. */
    velocityMmS: SetpointSchema,
  }),
  /**
   * Voted protection (setpoint groups, voting, delays in ms, deadband, trip multiply, quality
   * policy), as engine/protect/protectionConfig.ts defines it, without assetId. Validated when the
   * engine starts (errors name the group at fault). Absent: derived from `setpoints`, one 1oo1 group
   * per channel and quantity, so the simple form keeps working.
   */
  protection: z.unknown().optional(),
  /** Windows of normal data to learn from before scoring starts. */
  commissioningWindows: z.number().int().min(8),
  /**
   * Online learning after commissioning (defaults: on, promote every 9 000 learned windows, hold out
   * 1 in 5, learn from non-overlapping windows: spacing = the window's length, 0 for vector channels).
   */
  learning: z
    .object({
      enabled: z.boolean().optional(),
      promoteEveryWindows: z.number().int().min(50).optional(),
      heldOutEvery: z.number().int().min(2).max(100).optional(),
      learnSpacingMs: z.number().min(0).max(3_600_000).optional(),
    })
    .optional(),
}).refine((a) => a.channels.length + (a.vectorChannels?.length ?? 0) > 0, { message: 'an asset needs at least one channel' });
export type AssetConfig = z.infer<typeof AssetConfigSchema>;
