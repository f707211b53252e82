/**
 * Names of the per-row features of a single-value stream, in vector order. Why these: an anomaly in a
 * metric stream is a value out of range (`value`), a jump (`delta`), a departure from the recent
 * level (`deviation`), a change of noise or activity (`volatility`), a drift or level shift
 * (`trend`), or a value that is ordinary in itself but wrong for the time of day (`value` read together
 * with `daySin`/`dayCos`, and the optional `seasonal` difference from one period earlier). The
 * autoencoder learns their joint normal shape, so it can also flag an unusual combination that no
 * single feature would.
 */
export const SCALAR_FEATURE_NAMES = ['value', 'delta', 'deviation', 'volatility', 'trend', 'daySin', 'dayCos'] as const;

/** Smoothing constants of the incremental statistics, as fractions per row. */
export interface ScalarFeatureOptions {
  /** Weight of a new row in the fast level (a time constant of ~1/α rows). Default 0.2. */
  readonly fastAlpha?: number;
  /** Weight of a new row in the slow level. Default 0.01 (~100 rows). */
  readonly slowAlpha?: number;
  /** Weight of a new row in the volatility average. Default 0.1. */
  readonly volatilityAlpha?: number;
  /** Period of the phase features. Default one day. */
  readonly periodMs?: number;
  /** Whether to emit the phase features (daySin, dayCos). Default true. */
  readonly phase?: boolean;
  /**
   * Whether to emit `seasonal`: the fast level now minus the fast level one period earlier. Why:
   * a daily-periodic stream's anomaly is often a day that differs from yesterday (a missing rise, a
   * flat afternoon) while every value is in range. 0 until a full period has been seen. Default false.
   */
  readonly seasonal?: boolean;
}

/** Feature names for some options, in vector order. */
export function scalarFeatureNames(opts: ScalarFeatureOptions = {}): readonly string[] {
  const names: string[] = opts.phase === false ? SCALAR_FEATURE_NAMES.slice(0, 5) : [...SCALAR_FEATURE_NAMES];
  if (opts.seasonal === true) names.push('seasonal');
  return names;
}

const DAY_MS = 86_400_000;

/**
 * Turns a value stream into one small feature vector per row, incrementally (O(1) per row; the
 * caller owns the output vector, and only the seasonal history grows, amortised). Pure in the sense that matters for an online
 * benchmark and for replay: the vector of row t depends only on rows ≤ t, and the same rows give the
 * same vectors. Time comes in with each row; nothing reads a clock.
 */
export class ScalarFeatures {
  /** Feature vector length. */
  readonly size: number;
  /** Feature names, in vector order. */
  readonly names: readonly string[];
  private readonly fastAlpha: number;
  private readonly slowAlpha: number;
  private readonly volatilityAlpha: number;
  private readonly periodMs: number;
  private readonly phase: boolean;
  private readonly seasonal: boolean;
  /** (time, fast level) of the last period and a bit, oldest first from `head`. */
  private readonly pastTimesMs: number[] = [];
  private readonly pastLevels: number[] = [];
  private head = 0;
  private periodSeen = false;
  private rows = 0;
  private previous = 0;
  private fast = 0;
  private slow = 0;
  private volatility = 0;

  constructor(opts: ScalarFeatureOptions = {}) {
    this.fastAlpha = opts.fastAlpha ?? 0.2;
    this.slowAlpha = opts.slowAlpha ?? 0.01;
    this.volatilityAlpha = opts.volatilityAlpha ?? 0.1;
    this.periodMs = opts.periodMs ?? DAY_MS;
    this.phase = opts.phase !== false;
    this.seasonal = opts.seasonal === true;

    this.names = scalarFeatureNames(opts);
    this.size = this.names.length;
    for (const [name, a] of [['fastAlpha', this.fastAlpha], ['slowAlpha', this.slowAlpha], ['volatilityAlpha', this.volatilityAlpha]] as const) {
      if (!(a > 0 && a <= 1)) throw new RangeError(`${name} must be in (0, 1], got ${a}`);
    }
    if (!(this.periodMs > 0)) throw new RangeError(`periodMs must be positive, got ${this.periodMs}`);
  }

  /** Rows consumed so far. */
  get rowsSeen(): number {
    return this.rows;
  }

  /** Whether every feature is defined yet (the seasonal one needs a full period of history). */
  get ready(): boolean {
    return !this.seasonal || this.periodSeen;
  }

  /**
   * Consume one row and write its features into `out` (length {@link ScalarFeatures.size}).
   * `deviation` compares the value with the level *before* this row, so a spike is not diluted by
   * itself. The first row has no history: its delta, deviation and volatility are 0.
   */
  push(timeMs: number, value: number, out: Float32Array): Float32Array {
    if (out.length !== this.size) throw new RangeError(`feature vector has length ${out.length}, expected ${this.size}`);
    if (!Number.isFinite(value) || !Number.isFinite(timeMs)) throw new RangeError(`row ${this.rows}: value ${value} at ${timeMs} ms is not finite`);
    if (this.rows === 0) {
      this.previous = this.fast = this.slow = value;
    }
    const delta = value - this.previous;
    const deviation = value - this.fast;
    this.volatility += this.volatilityAlpha * (Math.abs(delta) - this.volatility);
    this.fast += this.fastAlpha * (value - this.fast);
    this.slow += this.slowAlpha * (value - this.slow);
    this.previous = value;
    this.rows++;
    const phase = (2 * Math.PI * (((timeMs % this.periodMs) + this.periodMs) % this.periodMs)) / this.periodMs;
    out[0] = value;
    out[1] = delta;
    out[2] = deviation;
    out[3] = this.volatility;
    out[4] = this.fast - this.slow;
    if (this.phase) {
      out[5] = Math.sin(phase);
      out[6] = Math.cos(phase);
    }
    if (this.seasonal) out[this.size - 1] = this.seasonalDifference(timeMs);
    return out;
  }

  /** Fast level now minus the latest fast level at or before one period ago (amortised O(1)). */
  private seasonalDifference(timeMs: number): number {
    const cutoffMs = timeMs - this.periodMs;
    while (this.head + 1 < this.pastTimesMs.length && this.pastTimesMs[this.head + 1]! <= cutoffMs) this.head++;
    let diff = 0;
    if (this.head < this.pastTimesMs.length && this.pastTimesMs[this.head]! <= cutoffMs) {
      this.periodSeen = true;
      diff = this.fast - this.pastLevels[this.head]!;
    }
    this.pastTimesMs.push(timeMs);
    this.pastLevels.push(this.fast);
    if (this.head > 4096 && this.head * 2 > this.pastTimesMs.length) {
      this.pastTimesMs.splice(0, this.head);
      this.pastLevels.splice(0, this.head);
      this.head = 0;
    }
    return diff;
  }
}
