import { REJECT_REASONS, type AssetConfig, type ChannelConfig, type Quality, type QualityChanged, type RejectReason } from '../contract';
import { ChannelQuality, DEFAULT_QUALITY_RULES, windowStd, type QualityRules, type QualityTransition } from './channelQuality';
import { RingBuffer } from './ringBuffer';
import type { Clock, Disposable } from './scheduling';
import { DEFAULT_TIMING, validateFrame, type ChannelView, type TimingTolerance, type Verdict } from './validateFrame';

/**
 * One analysis window ready for features and scoring. Only `good` channels produce hops: windows
 * of stale or bad channels are suppressed (and counted), so nothing downstream can score them.
 */
export interface Hop {
  assetId: string;
  channelId: string;
  /** The channel's reused buffer: `windowSize` samples, oldest first. Copy it to keep it past the call. */
  window: Float32Array;
  /** Epoch ms of the window's last sample. */
  endMs: number;
  /** Shaft speed carried by the frame that completed the window, when the source knows it. */
  shaftHz: number | undefined;
  /** Always `good`: the type records the policy that non-good windows never reach a scorer. */
  quality: 'good';
}

/** Result of {@link Ingest.accept}. */
export type AcceptResult = { ok: true } | { ok: false; reason: RejectReason; detail: string };

/** Per-reason counts, every reason present (zero when it never happened). */
export type ReasonCounts = Record<RejectReason, number>;

/** Counters of one configured channel. */
export interface ChannelCounters {
  assetId: string;
  channelId: string;
  quality: Quality;
  qualityReason: string;
  frames: number;
  samples: number;
  gaps: number;
  hops: number;
  /** Windows that were complete but not delivered because the channel was not good. */
  suppressedHops: number;
  rejected: ReasonCounts;
}

/** Everything ingest has counted; part of the engine's status so no data loss is silent. */
export interface IngestCounters {
  frames: number;
  samples: number;
  gaps: number;
  hops: number;
  suppressedHops: number;
  /** Hop or quality handlers that threw (the error is reported through onError, ingest carries on). */
  handlerErrors: number;
  rejected: ReasonCounts;
  channels: ChannelCounters[];
}

/** Tuning of ingest; every field has a documented default. */
export interface IngestOptions {
  timing?: Partial<TimingTolerance>;
  quality?: Partial<QualityRules>;
  /** Called when a handler throws; ingest never lets a consumer's bug stop the data path. */
  onError?: (error: unknown) => void;
  /**
   * Spread the channels' windows over the hop (default true): channel i of the engine cuts its
   * windows `windowPhase(i, hopSize)` samples later than it otherwise would, so that channels
   * sampled together do not all complete a window on the same frame. See {@link windowPhase}.
   */
  spreadWindows?: boolean;
}

/** The golden ratio's fractional part: successive multiples of it fill [0, 1) as evenly as any sequence can. */
const GOLDEN_FRACTION = 0.6180339887498949;

/**
 * Samples by which the engine's channel number `ordinal` (0, 1, … in configuration order) delays
 * its windows within a hop: 0 for the first channel, then spread evenly over [0, hopSize).
 *
 * Why: the channels of one DAQ are sampled together and start together, so without a phase every
 * channel completes a window on the same frame, and the window that trips waits behind the feature
 * extraction of all the others (measured with `npm run bench`: 64 channels at 25.6 kHz, hop 1024,
 * 64 windows in one frame period and none in the next three). Spread, a quarter of them fall in each
 * frame period. Each channel still gets a window every hop; its first one, after a start or a gap,
 * comes up to one hop later.
 */
export function windowPhase(ordinal: number, hopSize: number): number {
  return Math.floor(hopSize * ((ordinal * GOLDEN_FRACTION) % 1));
}


function zeroReasons(): ReasonCounts {
  const r = {} as ReasonCounts;
  for (const k of REJECT_REASONS) r[k] = 0;
  return r;
}

interface ChannelState extends ChannelView {
  readonly assetId: string;
  readonly config: ChannelConfig;
  /** Samples the first window after a (re)start waits beyond the window length: see windowPhase. */
  readonly phase: number;
  nextStartMs: number | null;
  readonly ring: RingBuffer;
  readonly window: Float32Array;
  readonly quality: ChannelQuality;
  /** Samples written since the last restart (gap or start), minus the channel's phase. */
  contiguous: number;
  /** Samples written since the last hop (or restart). */
  sinceHop: number;
  counters: ChannelCounters;
}

/**
 * The entry of the hot path: validates frames, keeps a ring per channel, cuts overlapping
 * windows every `hopSize` samples and judges channel quality.
 *
 * Why one class: validation, window continuity and quality all depend on the same per-channel
 * state (where the last frame ended, how many contiguous samples exist), and hops must be cut
 * synchronously inside `accept` so the time from frame arrival to a trip stays bounded.
 * Allocation: rings and window buffers are made once per channel; `accept` allocates only small
 * per-frame and per-hop objects, never per sample.
 */
export class Ingest {
  private readonly channels = new Map<string, Map<string, ChannelState>>();
  private readonly hopHandlers: Array<(hop: Hop) => void> = [];
  private readonly qualityHandlers: Array<(change: QualityChanged) => void> = [];
  private readonly timing: TimingTolerance;
  private readonly totals = { frames: 0, samples: 0, gaps: 0, hops: 0, suppressedHops: 0, handlerErrors: 0 };
  private readonly rejected = zeroReasons();
  private readonly onError: (error: unknown) => void;
  private readonly lookup = (assetId: string, channelId: string): ChannelState | 'unknown_asset' | 'unknown_channel' => {
    const asset = this.channels.get(assetId);
    if (!asset) return 'unknown_asset';
    return asset.get(channelId) ?? 'unknown_channel';
  };

  /**
   * @param assets the configured machines; frames for anything else are rejected.
   * @param clock engine clock (epoch ms) used for arrival times and quality events.
   */
  constructor(
    assets: readonly AssetConfig[],
    private readonly clock: Clock,
    options: IngestOptions = {},
  ) {
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    const rules: QualityRules = { ...DEFAULT_QUALITY_RULES, ...options.quality };
    this.onError = options.onError ?? (() => {});
    let ordinal = 0;
    for (const asset of assets) {
      if (this.channels.has(asset.assetId)) throw new Error(`asset '${asset.assetId}' configured twice`);
      const byChannel = new Map<string, ChannelState>();
      for (const config of asset.channels) {
        if (byChannel.has(config.channelId)) throw new Error(`asset '${asset.assetId}' has channel '${config.channelId}' twice`);
        if (config.hopSize > config.windowSize) throw new Error(`${asset.assetId}/${config.channelId}: hopSize exceeds windowSize`);
        const quality = new ChannelQuality(rules);
        const phase = options.spreadWindows === false ? 0 : windowPhase(ordinal++, config.hopSize);
        byChannel.set(config.channelId, {
          assetId: asset.assetId,
          config,
          phase,
          nextStartMs: null,
          ring: new RingBuffer(config.windowSize * 2),
          window: new Float32Array(config.windowSize),
          quality,
          contiguous: -phase,
          sinceHop: 0,
          counters: {
            assetId: asset.assetId,
            channelId: config.channelId,
            quality: quality.quality,
            qualityReason: quality.reason,
            frames: 0,
            samples: 0,
            gaps: 0,
            hops: 0,
            suppressedHops: 0,
            rejected: zeroReasons(),
          },
        });
      }
      this.channels.set(asset.assetId, byChannel);
    }
  }

  /** Registers the consumer of windows (features → scoring). Called synchronously inside accept. */
  onHop(handler: (hop: Hop) => void): Disposable {
    this.hopHandlers.push(handler);
    return { dispose: () => remove(this.hopHandlers, handler) };
  }

  /** Registers a listener for channel quality changes (protection, console, audit). */
  onQuality(handler: (change: QualityChanged) => void): Disposable {
    this.qualityHandlers.push(handler);
    return { dispose: () => remove(this.qualityHandlers, handler) };
  }

  /**
   * Validates one frame and, if valid, appends it and emits every hop it completes. A frame may
   * complete several hops; each is delivered before the next is cut (the window buffer is reused).
   */
  accept(raw: unknown): AcceptResult {
    const verdict: Verdict<ChannelState> = validateFrame(raw, this.lookup, this.timing);
    if (verdict.reason !== null) {
      this.rejected[verdict.reason]++;
      const ch = verdict.channel;
      if (ch) {
        ch.counters.rejected[verdict.reason]++;
        if (verdict.reason === 'non_finite') this.report(ch, ch.quality.nonFinite(this.clock(), verdict.detail));
      }
      return { ok: false, reason: verdict.reason, detail: verdict.detail };
    }
    const { frame, channel: ch, gapMs } = verdict;
    const cfg = ch.config;
    const samples = frame.samples;
    const n = samples.length;
    const periodMs = 1000 / cfg.sampleRateHz;
    this.report(ch, ch.quality.frameAccepted(this.clock(), n * periodMs));
    if (gapMs > 0) {
      ch.counters.gaps++;
      this.totals.gaps++;
      ch.contiguous = -ch.phase;
      ch.sinceHop = 0;
    }
    ch.nextStartMs = frame.startMs + n * periodMs;
    ch.counters.frames++;
    ch.counters.samples += n;
    this.totals.frames++;
    this.totals.samples += n;

    const { windowSize, hopSize } = cfg;
    let pos = 0;
    while (pos < n) {
      const need = Math.max(hopSize - ch.sinceHop, windowSize - ch.contiguous, 1);
      const take = Math.min(need, n - pos);
      ch.ring.write(samples, pos, pos + take);
      pos += take;
      ch.contiguous += take;
      ch.sinceHop += take;
      if (ch.sinceHop >= hopSize && ch.contiguous >= windowSize) {
        ch.sinceHop = 0;
        this.cutWindow(ch, frame.startMs + (pos - 1) * periodMs, frame.shaftHz);
      }
    }
    return { ok: true };
  }

  /**
   * Counts a frame refused before it reached ingest (the bus's overflow drops), so the per-reason
   * totals cover every loss on the way in.
   */
  countRejected(assetId: string, channelId: string, reason: RejectReason): void {
    this.rejected[reason]++;
    const ch = this.channels.get(assetId)?.get(channelId);
    if (ch) ch.counters.rejected[reason]++;
  }

  /** Lets time pass on the engine clock: marks silent channels stale. */
  tick(nowMs: number): void {
    for (const byChannel of this.channels.values()) {
      for (const ch of byChannel.values()) this.report(ch, ch.quality.tick(nowMs), nowMs);
    }
  }

  /** A snapshot of all counters (fresh objects; safe to keep or serialise). */
  counters(): IngestCounters {
    const channels: ChannelCounters[] = [];
    for (const byChannel of this.channels.values()) {
      for (const ch of byChannel.values()) channels.push({ ...ch.counters, rejected: { ...ch.counters.rejected } });
    }
    return { ...this.totals, rejected: { ...this.rejected }, channels };
  }

  /** Current quality of a channel, or undefined when it is not configured. */
  quality(assetId: string, channelId: string): Quality | undefined {
    return this.channels.get(assetId)?.get(channelId)?.quality.quality;
  }

  private cutWindow(ch: ChannelState, endMs: number, shaftHz: number | undefined): void {
    const { windowSize } = ch.config;
    ch.ring.copyLatest(windowSize, ch.window);
    this.report(ch, ch.quality.windowReady(windowStd(ch.window, windowSize)));
    if (ch.quality.quality !== 'good') {
      ch.counters.suppressedHops++;
      this.totals.suppressedHops++;
      return;
    }
    ch.counters.hops++;
    this.totals.hops++;
    const hop: Hop = { assetId: ch.assetId, channelId: ch.config.channelId, window: ch.window, endMs, shaftHz, quality: 'good' };
    for (const handler of this.hopHandlers) {
      try {
        handler(hop);
      } catch (error) {
        this.totals.handlerErrors++;
        this.onError(error);
      }
    }
  }

  private report(ch: ChannelState, t: QualityTransition | null, atMs?: number): void {
    ch.counters.quality = ch.quality.quality;
    ch.counters.qualityReason = ch.quality.reason;
    if (!t) return;
    const change: QualityChanged = {
      type: 'QualityChanged',
      assetId: ch.assetId,
      channelId: ch.config.channelId,
      atMs: atMs ?? this.clock(),
      from: t.from,
      to: t.to,
      reason: t.reason,
    };
    for (const handler of this.qualityHandlers) {
      try {
        handler(change);
      } catch (error) {
        this.totals.handlerErrors++;
        this.onError(error);
      }
    }
  }
}

function remove<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}
