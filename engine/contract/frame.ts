import { z } from 'zod';

/**
 * One block of consecutive samples from one sensor channel. Sources (replay, simulator, and later
 * MQTT/OPC UA/Modbus) all produce frames; ingest validates them before anything else sees them.
 */
export interface Frame {
  /** Asset (machine) the channel belongs to; must be configured, or the frame is rejected. */
  assetId: string;
  /** Channel within the asset, e.g. `de_accel`. */
  channelId: string;
  /** Epoch milliseconds of the first sample. Fractional values are allowed (sub-ms sample clocks). */
  startMs: number;
  /** Constant for a channel; a change is rejected rather than silently resampled. */
  sampleRateHz: number;
  /** Acceleration samples in g (or the channel's unit), little-endian float32. */
  samples: Float32Array;
  /** Shaft speed from a tachometer or the controller, when known. */
  shaftHz?: number;
}

/** Schema for frames that cross a process or network boundary. */
export const FrameSchema = z.object({
  assetId: z.string().min(1).max(128),
  channelId: z.string().min(1).max(128),
  startMs: z.number().finite(),
  sampleRateHz: z.number().finite().positive(),
  samples: z.instanceof(Float32Array),
  shaftHz: z.number().finite().positive().optional(),
});

/**
 * Why ingest refused a frame. Every rejection is counted under one of these reasons, so a silent
 * loss of data is impossible: the counters are part of the engine's status.
 */
export const REJECT_REASONS = [
  'unknown_asset',
  'unknown_channel',
  'malformed',
  'empty',
  'oversized',
  'non_finite',
  'sample_rate_changed',
  'time_backwards',
  'overflow',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/**
 * Quality of a channel's data. Only `good` channels produce scores; `stale` means data stopped
 * arriving, `bad` means it arrives but cannot be trusted (non-finite, flat-lined, dead sensor).
 */
export const QUALITY_STATES = ['good', 'stale', 'bad'] as const;
export type Quality = (typeof QUALITY_STATES)[number];
