import { FrameSchema, type ChannelConfig, type Frame, type RejectReason } from '../contract';

/**
 * What validation needs to know about a configured channel: its configuration and where its
 * last accepted frame ended. Ingest's per-channel state satisfies it structurally.
 */
export interface ChannelView {
  readonly config: ChannelConfig;
  /** Epoch ms at which the next contiguous frame should start; null before the first frame. */
  readonly nextStartMs: number | null;
}

/** Resolves a frame's address to its channel, or says which part of the address is unknown. */
export type ChannelLookup<C extends ChannelView> = (assetId: string, channelId: string) => C | 'unknown_asset' | 'unknown_channel';

/** Timing tolerances. Defaults suit sample-clocked sources; networked sources may need more slack. */
export interface TimingTolerance {
  /**
   * Jitter allowed on a frame's start time, in ms, in both directions. A frame that starts more
   * than this before the previous one ended is `time_backwards` (overlap or duplicate).
   */
  toleranceMs: number;
  /** A start later than the expected one by more than this many sample periods (plus toleranceMs) is a gap. */
  gapPeriods: number;
}

/** Defaults: 1 ms of jitter, gaps beyond 1.5 sample periods. */
export const DEFAULT_TIMING: TimingTolerance = { toleranceMs: 1, gapPeriods: 1.5 };

/** An accepted frame, with the channel it belongs to and the missing time before it (0 when contiguous). */
export interface Accepted<C extends ChannelView> {
  reason: null;
  frame: Frame;
  channel: C;
  /** Milliseconds of data missing before this frame; > 0 means the window must restart. */
  gapMs: number;
}

/** A refused frame: one reason from the contract and a human-readable detail for the log. */
export interface Rejected<C extends ChannelView> {
  reason: RejectReason;
  detail: string;
  /** Known when the address resolved, so the rejection can be counted per channel. */
  channel: C | null;
  /** The address as sent, when it could be read (for per-address logging of unknown ones). */
  assetId: string | null;
  channelId: string | null;
}

/** Result of {@link validateFrame}: `reason === null` means accepted. */
export type Verdict<C extends ChannelView> = Accepted<C> | Rejected<C>;

/** Index of the first NaN/±Infinity sample, or -1. `x - x` is NaN exactly for non-finite x. */
export function firstNonFinite(samples: Float32Array): number {
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]!;
    if (v - v !== 0) return i;
  }
  return -1;
}

function rejected<C extends ChannelView>(
  reason: RejectReason,
  detail: string,
  channel: C | null,
  assetId: string | null,
  channelId: string | null,
): Rejected<C> {
  return { reason, detail, channel, assetId, channelId };
}

function addressOf(raw: unknown): { assetId: string | null; channelId: string | null } {
  if (typeof raw !== 'object' || raw === null) return { assetId: null, channelId: null };
  const r = raw as { assetId?: unknown; channelId?: unknown };
  return {
    assetId: typeof r.assetId === 'string' ? r.assetId : null,
    channelId: typeof r.channelId === 'string' ? r.channelId : null,
  };
}

/**
 * Checks one frame before anything else sees it, in this order: shape (FrameSchema), address,
 * empty, oversized, sample rate, non-finite samples, time going backwards; then measures any gap.
 *
 * Why this order: the shape check must come first because every later check reads fields; the
 * address must resolve before per-channel limits apply; non-finite is tested before timing so a
 * corrupt frame always marks the channel bad even if its timestamp is also wrong. Gaps are not
 * rejections: the data after a gap is valid, it just must not be stitched to the data before it.
 *
 * Pure: it reads the channel's state and never changes it. Allocates only the verdict object
 * (and zod's parse result), never per sample.
 */
export function validateFrame<C extends ChannelView>(
  raw: unknown,
  lookup: ChannelLookup<C>,
  timing: TimingTolerance = DEFAULT_TIMING,
): Verdict<C> {
  const parsed = FrameSchema.safeParse(raw);
  if (!parsed.success) {
    const { assetId, channelId } = addressOf(raw);
    const detail = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(frame)'}: ${i.message}`)
      .join('; ');
    return rejected<C>('malformed', detail, null, assetId, channelId);
  }
  const frame = parsed.data as Frame;
  const { assetId, channelId, samples } = frame;
  const found = lookup(assetId, channelId);
  if (found === 'unknown_asset') return rejected<C>('unknown_asset', `asset '${assetId}' is not configured`, null, assetId, channelId);
  if (found === 'unknown_channel') {
    return rejected<C>('unknown_channel', `asset '${assetId}' has no channel '${channelId}'`, null, assetId, channelId);
  }
  const channel = found;
  const cfg = channel.config;
  if (samples.length === 0) return rejected('empty', 'frame holds no samples', channel, assetId, channelId);
  if (samples.length > cfg.maxFrameSamples) {
    return rejected('oversized', `${samples.length} samples exceed maxFrameSamples ${cfg.maxFrameSamples}`, channel, assetId, channelId);
  }
  if (Math.abs(frame.sampleRateHz - cfg.sampleRateHz) > 1e-9 * cfg.sampleRateHz) {
    return rejected('sample_rate_changed', `frame at ${frame.sampleRateHz} Hz, channel configured at ${cfg.sampleRateHz} Hz`, channel, assetId, channelId);
  }
  const bad = firstNonFinite(samples);
  if (bad >= 0) return rejected('non_finite', `sample ${bad} is ${samples[bad]}`, channel, assetId, channelId);

  let gapMs = 0;
  if (channel.nextStartMs !== null) {
    const periodMs = 1000 / cfg.sampleRateHz;
    const deltaMs = frame.startMs - channel.nextStartMs;
    if (deltaMs < -timing.toleranceMs) {
      return rejected(
        'time_backwards',
        `frame starts at ${frame.startMs} ms, ${(-deltaMs).toFixed(3)} ms before the previous frame ended (${channel.nextStartMs} ms)`,
        channel,
        assetId,
        channelId,
      );
    }
    if (deltaMs > timing.gapPeriods * periodMs + timing.toleranceMs) gapMs = deltaMs;
  }
  return { reason: null, frame, channel, gapMs };
}
