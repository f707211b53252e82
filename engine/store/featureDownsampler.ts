import type { FeatureHistoryRow } from './records';

/** Knobs for `FeatureDownsampler`. */
export interface FeatureDownsamplerOptions {
  /**
   * How many seconds a channel's open second may trail the asset's newest second before it is
   * closed anyway. A channel that stops reporting (a sensor fault) would otherwise keep its last
   * second unwritten until it resumes or the engine shuts down. Channels of one asset may deliver
   * windows slightly out of step, so the default (2 s) leaves them room. Default 2.
   */
  maxLagS?: number;
}

/** One channel's accumulator; mutated in place so a push allocates nothing. */
interface Slot {
  readonly assetId: string;
  readonly channelId: string;
  /** The second being accumulated (`open`), or the last second closed. */
  tS: number;
  open: boolean;
  score: number | null;
  velocityMmS: number | null;
}

interface AssetSlots {
  newestS: number;
  readonly channels: Map<string, Slot>;
  /** The same slots as an array, so the lag scan needs no iterator. */
  readonly slots: Slot[];
}

const NONE: readonly FeatureHistoryRow[] = Object.freeze([]);

/** Max that treats null and NaN as "not measured": any measured value beats none. */
function maxOf(acc: number | null, v: number | null): number | null {
  if (v === null || Number.isNaN(v)) return acc;
  return acc === null || v > acc ? v : acc;
}

function close(slot: Slot): FeatureHistoryRow {
  slot.open = false;
  return { assetId: slot.assetId, channelId: slot.channelId, tS: slot.tS, score: slot.score, velocityMmS: slot.velocityMmS };
}

/**
 * Turns per-window features (several per second per channel) into the store's 1-second history:
 * per asset, channel and epoch second, the MAXIMUM score and the maximum velocity seen. Maximum,
 * not mean, because this history is what a threshold backtest replays: a fault that shows in one
 * window must still cross the setpoint in the history, or the backtest would call a configuration
 * safe that the live engine would have alarmed on (or not).
 *
 * Pure and clock-free: time comes from each push's `atMs`. A channel's second is completed when
 * that channel pushes a later second, or when it trails the asset's newest second by more than
 * `maxLagS`; `flush()` completes the rest (shutdown). A push for a second that is already
 * completed (out-of-order or a clock step back) cannot be merged any more: writing it would
 * replace the stored maximum with a smaller one, so it is dropped and counted in `latePushes`.
 *
 * Allocation: the first push of a channel creates its accumulator; after that a push allocates
 * only when it completes rows (the rows and their array), about once per second per channel.
 */
export class FeatureDownsampler {
  readonly #maxLagS: number;
  readonly #assets = new Map<string, AssetSlots>();
  #latePushes = 0;

  constructor(options: FeatureDownsamplerOptions = {}) {
    this.#maxLagS = Math.max(0, options.maxLagS ?? 2);
  }

  /** Pushes that arrived for a second already completed, and were dropped. */
  get latePushes(): number {
    return this.#latePushes;
  }

  /**
   * Adds one window's values (null or NaN: not measured) at `atMs`. Returns the rows completed by
   * this push, usually none (a shared empty array; do not mutate it). Throws RangeError for a
   * non-finite `atMs`, which only a broken clock produces.
   */
  push(assetId: string, channelId: string, atMs: number, score: number | null, velocityMmS: number | null): readonly FeatureHistoryRow[] {
    if (!Number.isFinite(atMs)) throw new RangeError(`feature window of ${assetId}/${channelId} has no valid time (${atMs})`);
    const tS = Math.floor(atMs / 1000);
    let asset = this.#assets.get(assetId);
    if (!asset) {
      asset = { newestS: -Infinity, channels: new Map(), slots: [] };
      this.#assets.set(assetId, asset);
    }
    let slot = asset.channels.get(channelId);
    if (!slot) {
      slot = { assetId, channelId, tS: -Infinity, open: false, score: null, velocityMmS: null };
      asset.channels.set(channelId, slot);
      asset.slots.push(slot);
    }
    let out: FeatureHistoryRow[] | null = null;
    if (slot.open ? tS < slot.tS : tS <= slot.tS) {
      this.#latePushes++;
      return NONE;
    }
    if (slot.open && tS > slot.tS) out = [close(slot)];
    if (!slot.open) {
      slot.open = true;
      slot.tS = tS;
      slot.score = null;
      slot.velocityMmS = null;
    }
    slot.score = maxOf(slot.score, score);
    slot.velocityMmS = maxOf(slot.velocityMmS, velocityMmS);
    if (tS > asset.newestS) {
      asset.newestS = tS;
      const oldestKeptS = tS - this.#maxLagS;
      for (let i = 0; i < asset.slots.length; i++) {
        const other = asset.slots[i]!;
        if (other.open && other.tS < oldestKeptS) (out ??= []).push(close(other));
      }
    }
    return out ?? NONE;
  }

  /** Completes and returns every open second (at shutdown, or before a backtest reads the store). */
  flush(): FeatureHistoryRow[] {
    const out: FeatureHistoryRow[] = [];
    for (const asset of this.#assets.values()) {
      for (const slot of asset.slots) if (slot.open) out.push(close(slot));
    }
    return out;
  }
}
