import type { Quality } from '../contract';

/**
 * The explicit rules that decide whether a channel's data may be scored. Protection treats a
 * channel that is not `good` as unavailable (no score, no trip vote from it), so these rules
 * are part of the safety case and are kept in one place, with their thresholds as data.
 */
export interface QualityRules {
  /**
   * A `good` channel with no accepted frame for longer than this (engine clock) becomes `stale`.
   * Undefined: max(2000 ms, 3 × the duration of the channel's last accepted frame).
   */
  staleAfterMs?: number;
  /**
   * A window whose population standard deviation is below this (channel unit, g) is flat-lined:
   * a dead, disconnected or stuck sensor, or a DC-only signal. A healthy running machine's
   * accelerometer shows at least 1e-3 g of broadband vibration; ADC noise alone is ~1e-4 g.
   */
  flatStdFloor: number;
  /** A `bad` channel returns to `good` after this many consecutive windows that pass every check. */
  recoverWindows: number;
}

/** Defaults: stale after max(2 s, 3 frames); flat below 1e-4 g std; 3 good windows to recover. */
export const DEFAULT_QUALITY_RULES: QualityRules = { flatStdFloor: 1e-4, recoverWindows: 3 };

/** A change of quality, returned to the caller, which turns it into a QualityChanged event. */
export interface QualityTransition {
  from: Quality;
  to: Quality;
  reason: string;
}

/** Population standard deviation of a window (two passes in doubles; no allocation). */
export function windowStd(window: Float32Array, n = window.length): number {
  if (n === 0) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += window[i]!;
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = window[i]! - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / n);
}

/**
 * Quality state of one channel, as a small state machine fed by ingest.
 *
 * - starts `stale` ("no data yet"): a channel that never reported must not look healthy;
 * - `stale` → `good` on the next accepted frame;
 * - `good` → `stale` on {@link tick} when no frame arrived for longer than staleAfterMs;
 * - any → `bad` on a non-finite frame or a flat-lined window;
 * - `bad` → `good` after `recoverWindows` consecutive windows that pass the flat check
 *   (a bad channel stays bad while silent: silence does not make it trustworthy again).
 */
export class ChannelQuality {
  private current: Quality = 'stale';
  private why = 'no data received yet';
  private goodStreak = 0;
  private lastArrivalMs: number | null = null;
  private lastFrameMs = 0;

  constructor(private readonly rules: QualityRules) {}

  /** Current quality. */
  get quality(): Quality {
    return this.current;
  }

  /** Why the channel has its current quality (human readable, for the console). */
  get reason(): string {
    return this.why;
  }

  /** The staleness limit now in force for this channel, in ms. */
  get staleAfterMs(): number {
    return this.rules.staleAfterMs ?? Math.max(2000, 3 * this.lastFrameMs);
  }

  private go(to: Quality, reason: string): QualityTransition | null {
    const from = this.current;
    this.why = reason;
    if (from === to) return null;
    this.current = to;
    return { from, to, reason };
  }

  /** A frame passed validation. Revives a stale channel; a bad one waits for good windows. */
  frameAccepted(nowMs: number, frameDurationMs: number): QualityTransition | null {
    this.lastArrivalMs = nowMs;
    this.lastFrameMs = frameDurationMs;
    if (this.current === 'stale') return this.go('good', 'data resumed');
    return null;
  }

  /** A frame carried NaN/Inf: the sensor path is corrupt, so the channel is bad. */
  nonFinite(nowMs: number, detail: string): QualityTransition | null {
    this.lastArrivalMs = nowMs;
    this.goodStreak = 0;
    return this.go('bad', `non-finite samples (${detail})`);
  }

  /**
   * A full window is ready; judges it before anyone may score it. Returns the transition, if any;
   * afterwards {@link quality} says whether this very window may be scored.
   */
  windowReady(std: number): QualityTransition | null {
    if (std < this.rules.flatStdFloor) {
      this.goodStreak = 0;
      return this.go('bad', `flat-lined signal (window std ${std.toExponential(2)} < ${this.rules.flatStdFloor})`);
    }
    if (this.current !== 'bad') return null;
    this.goodStreak++;
    if (this.goodStreak >= this.rules.recoverWindows) {
      this.goodStreak = 0;
      return this.go('good', `${this.rules.recoverWindows} consecutive valid windows`);
    }
    return null;
  }

  /** Time passes: a good channel that stopped receiving frames becomes stale. */
  tick(nowMs: number): QualityTransition | null {
    if (this.current !== 'good' || this.lastArrivalMs === null) return null;
    const silentMs = nowMs - this.lastArrivalMs;
    const limit = this.staleAfterMs;
    if (silentMs > limit) return this.go('stale', `no frame for ${Math.round(silentMs)} ms (limit ${Math.round(limit)} ms)`);
    return null;
  }
}
