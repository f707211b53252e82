import type { LiveTrend } from '../contract/live';
import { roundValue } from './liveSeries';

/**
 * The recent minutes of one channel's score and velocity, one point per time bucket, in a ring of
 * fixed capacity (columnar typed arrays, allocated once). A bucket keeps the largest value of its
 * windows: a protection trend must show the peak that tripped, not an average that hides it.
 * NaN means "no value" (an unscored window) and never replaces a number.
 */
export class TrendRing {
  private readonly tMs: Float64Array;
  private readonly score: Float64Array;
  private readonly velocity: Float64Array;
  private next = 0;
  private count = 0;
  private bucket = Number.NEGATIVE_INFINITY;

  /**
   * @param bucketMs width of one point
   * @param capacity points kept; older ones are overwritten (capacity × bucketMs is the span shown)
   */
  constructor(
    readonly bucketMs: number,
    readonly capacity: number,
  ) {
    if (!(bucketMs > 0)) throw new Error(`bucketMs must be positive, got ${bucketMs}`);
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`capacity must be a positive integer, got ${capacity}`);
    this.tMs = new Float64Array(capacity);
    this.score = new Float64Array(capacity);
    this.velocity = new Float64Array(capacity);
  }

  /** Adds one window's values at `atMs`. A window older than the current bucket is ignored (time never goes back on a channel). */
  push(atMs: number, score: number, velocityMmS: number): void {
    const b = Math.floor(atMs / this.bucketMs);
    if (b < this.bucket) return;
    if (b === this.bucket) {
      const i = (this.next - 1 + this.capacity) % this.capacity;
      this.score[i] = maxOf(this.score[i]!, score);
      this.velocity[i] = maxOf(this.velocity[i]!, velocityMmS);
      return;
    }
    this.bucket = b;
    const i = this.next;
    this.tMs[i] = b * this.bucketMs;
    this.score[i] = score;
    this.velocity[i] = velocityMmS;
    this.next = (i + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** Number of points kept. */
  get size(): number {
    return this.count;
  }

  /** The points oldest first, as the columns of a live view (4 significant digits, null for no value). */
  toLive(): LiveTrend {
    const tMs = new Array<number>(this.count);
    const score = new Array<number | null>(this.count);
    const velocityMmS = new Array<number | null>(this.count);
    for (let k = 0; k < this.count; k++) {
      const i = (this.next - this.count + k + this.capacity) % this.capacity;
      tMs[k] = this.tMs[i]!;
      score[k] = roundValue(this.score[i]!);
      velocityMmS[k] = roundValue(this.velocity[i]!);
    }
    return { bucketMs: this.bucketMs, tMs, score, velocityMmS };
  }
}

function maxOf(a: number, b: number): number {
  if (Number.isNaN(a)) return b;
  if (Number.isNaN(b)) return a;
  return Math.max(a, b);
}
