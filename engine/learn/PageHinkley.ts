/** Settings of {@link PageHinkley}. */
export interface PageHinkleyOptions {
  /** Change tolerated without counting it (δ), in the units of the watched value. */
  readonly delta: number;
  /** Detection threshold (λ) on the cumulative excess, same units. */
  readonly lambda: number;
  /** Observations before the detector may fire (its mean must settle first). */
  readonly minSamples?: number;
}

/**
 * Page–Hinkley test for an increase in the mean of a stream (Page 1954; Hinkley 1971), the drift
 * detector River and MOA ship. Why this one: it is O(1) per value, has two interpretable knobs
 * (how big a rise matters, how much evidence to demand), and it fires on a sustained rise, not on
 * one spike — which is what tells a developing fault from the noise of normal operation.
 */
export class PageHinkley {
  private n = 0;
  private mean = 0;
  private cumulative = 0;
  private minimum = 0;

  constructor(private readonly opts: PageHinkleyOptions) {
    if (!(opts.delta >= 0) || !(opts.lambda > 0)) throw new RangeError('PageHinkley needs delta ≥ 0 and lambda > 0');
  }

  /** Adds one value; returns true when the rise since the stream's running mean exceeds λ. Non-finite values are ignored. */
  update(x: number): boolean {
    if (!Number.isFinite(x)) return false;
    this.n++;
    this.mean += (x - this.mean) / this.n;
    this.cumulative += x - this.mean - this.opts.delta;
    this.minimum = Math.min(this.minimum, this.cumulative);
    return this.n >= (this.opts.minSamples ?? 30) && this.statistic > this.opts.lambda;
  }

  /** m_T − min m_t: the evidence of a rise accumulated so far. */
  get statistic(): number {
    return this.cumulative - this.minimum;
  }

  /** Values seen since the last reset. */
  get count(): number {
    return this.n;
  }

  /** The running mean of the values since the last reset. */
  get runningMean(): number {
    return this.mean;
  }

  /** Start over (after a change was handled: a new regime, an operator's confirmation). */
  reset(): void {
    this.n = 0;
    this.mean = 0;
    this.cumulative = 0;
    this.minimum = 0;
  }
}
