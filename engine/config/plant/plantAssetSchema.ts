import { z } from 'zod';
import { AssetConfigSchema, BearingSchema, ChannelConfigSchema, SetpointSchema, VectorChannelConfigSchema } from '../../contract/asset';
import { topicLevelId } from './plantFields';
import { describeValue } from './plantMessages';

/**
 * A machine as a plant file describes it: the engine's AssetConfig in a friendlier shape (ids as
 * `id`, speed in rpm or Hz, a bearing named from the plant's catalogue, window defaults) plus where
 * each channel's data comes from. Field limits are the contract's own (engine/contract/asset.ts), so
 * the file and the engine cannot drift; toAssetConfig.ts converts and checks the result against
 * AssetConfigSchema as well.
 */

/**
 * Default commissioning length in windows: the demo's 120 (about 10 s at a 1024-sample hop and
 * 12.8 kHz). Short on purpose: online learning carries on after it (see AssetConfig.learning).
 */
export const DEFAULT_COMMISSIONING_WINDOWS = 120;

/** Default hop as a fraction of the window: 75 % overlap, the usual choice for Hann-windowed spectra. */
export const DEFAULT_HOP_FRACTION = 0.25;

/** Default largest accepted frame, in windows: a DAQ block of a few windows is normal, a larger one is suspect. */
export const DEFAULT_MAX_FRAME_WINDOWS = 4;

const b = BearingSchema.shape;

/** Bearing geometry without a name: an entry of the plant's `bearings` catalogue, named by its key. */
export const PlantBearingGeometrySchema = z.strictObject({
  rollingElements: b.rollingElements,
  rollerDiameterMm: b.rollerDiameterMm,
  pitchDiameterMm: b.pitchDiameterMm,
  /** 0 for deep-groove ball bearings, which is why it may be left out. */
  contactAngleDeg: b.contactAngleDeg.default(0),
  /** The maker's published defect multiples, when known: they win over geometry. */
  multiples: z.strictObject(b.multiples.unwrap().shape).optional(),
});

/** A bearing written out in full on the asset. */
export const PlantBearingSchema = z.strictObject({ name: b.name, ...PlantBearingGeometrySchema.shape });

const ch = ChannelConfigSchema.shape;

/** A waveform channel (an accelerometer) and the source its frames arrive from. */
export const PlantChannelSchema = z.strictObject({
  id: topicLevelId,
  /** Id of the source delivering this channel's waveform. */
  source: z.string().min(1),
  sampleRateHz: ch.sampleRateHz,
  windowSize: ch.windowSize,
  /** Samples between windows; absent: a quarter window. */
  hopSize: ch.hopSize.optional(),
  /** Largest frame accepted, in samples; absent: four windows. */
  maxFrameSamples: ch.maxFrameSamples.optional(),
});

const vc = VectorChannelConfigSchema.shape;

/** A channel delivering one feature vector per snapshot, and its source. */
export const PlantVectorChannelSchema = z.strictObject({
  id: topicLevelId,
  source: z.string().min(1),
  featureNames: vc.featureNames,
  levelFeatures: vc.levelFeatures,
  deadBelowFraction: vc.deadBelowFraction,
  periodMs: vc.periodMs,
});

const strictSetpoint = z.strictObject(SetpointSchema.shape);

/**
 * One machine. Exactly one of `nominalShaftHz` and `nominalRpm` (checked in plantCrossChecks.ts,
 * so the error comes with the others): nameplates give rpm, the engine works in Hz.
 */
export const PlantAssetSchema = z.strictObject({
  id: topicLevelId,
  name: z.string().min(1),
  /** A name from the plant's `bearings` catalogue, or the bearing written out with its name. */
  bearing: z.union([z.string().min(1), PlantBearingSchema], {
    error: (iss) =>
      `expected a bearing name from bearings, or an object with name and geometry, got ${describeValue(iss.input)}${typeof iss.input === 'number' ? ' (quote a numeric name: "6205")' : ''}`,
  }),
  nominalShaftHz: z.number().positive().optional(),
  nominalRpm: z.number().positive().optional(),
  channels: z.array(PlantChannelSchema).default([]),
  vectorChannels: z.array(PlantVectorChannelSchema).optional(),
  setpoints: z.strictObject({ score: strictSetpoint, velocityMmS: strictSetpoint }),
  /** Voted protection as engine/protect/protectionConfig.ts defines it (assetId optional); checked in full. */
  protection: z.unknown().optional(),
  commissioningWindows: AssetConfigSchema.shape.commissioningWindows.default(DEFAULT_COMMISSIONING_WINDOWS),
  learning: z.strictObject(AssetConfigSchema.shape.learning.unwrap().shape).optional(),
});

/** An asset as written in a plant file, defaults filled. */
export type PlantAsset = z.output<typeof PlantAssetSchema>;
/** A catalogue bearing's geometry, defaults filled. */
export type PlantBearingGeometry = z.output<typeof PlantBearingGeometrySchema>;
