/**
 * Upper tail of the standard normal, Q(z) = P(Z > z) = erfc(z/√2)/2, with the Numerical Recipes
 * Chebyshev erfc (fractional error < 1.2e-7 everywhere). Why not a cruder formula: the likelihood
 * lives in the far tail (1e-5 … 1e-10), where absolute-error approximations return 0.
 */
export function gaussianTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(
      -x * x - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/** Windows and floors of the likelihood estimate, in rows of the stream. */
export interface AnomalyLikelihoodOptions {
  /** Rows averaged into the short-term score that is tested against the history. Default 10. */
  readonly shortRows?: number;
  /** Rows of history that define "usual" scores. Default 8640 (a month of 5-minute rows). */
  readonly historyRows?: number;
  /** Smallest standard deviation assumed for the history, in raw-score units. Default √0.0003. */
  readonly minStdDev?: number;
  /** History rows needed before a likelihood is reported (before that the output is 0). Default 100. */
  readonly minHistoryRows?: number;
}

/**
 * Anomaly likelihood, after Numenta's HTM (Ahmad et al., Neurocomputing 2017): the mean of the last
 * few raw scores is compared with the distribution (mean, standard deviation) of such means over a
 * long history, and reported as the log of the Gaussian tail probability, scaled to [0,1]
 * (0.5 ⇔ tail 1e-5, 1 ⇔ 1e-10).
 *
 * Why: a raw reconstruction score means different things on different streams (a noisy stream has
 * high raw scores all the time). NAB allows one threshold for all 58 streams, so the score must be
 * comparable across them: "how improbable is the recent score *for this stream*". The short
 * average also turns one noisy row into nothing and a sustained change into a clear rise.
 * O(1) per row: running sums over ring buffers.
 */
export class AnomalyLikelihood {
  private readonly shortRows: number;
  private readonly historyRows: number;
  private readonly minStdDev: number;
  private readonly minHistoryRows: number;
  private readonly shortBuf: Float64Array;
  private readonly historyBuf: Float64Array;
  private shortSum = 0;
  private shortCount = 0;
  private historySum = 0;
  private historySumSq = 0;
  private historyCount = 0;
  private rows = 0;

  constructor(opts: AnomalyLikelihoodOptions = {}) {
    this.shortRows = opts.shortRows ?? 10;
    this.historyRows = opts.historyRows ?? 8640;
    this.minStdDev = opts.minStdDev ?? Math.sqrt(0.0003);
    this.minHistoryRows = opts.minHistoryRows ?? 100;
    if (!(Number.isInteger(this.shortRows) && this.shortRows >= 1)) throw new RangeError(`shortRows must be a positive integer, got ${this.shortRows}`);
    if (!(Number.isInteger(this.historyRows) && this.historyRows >= 2)) throw new RangeError(`historyRows must be an integer ≥ 2, got ${this.historyRows}`);
    this.shortBuf = new Float64Array(this.shortRows);
    this.historyBuf = new Float64Array(this.historyRows);
  }

  /**
   * Add one raw score (≥ 0, bounded: callers squash unbounded scores first) and return the
   * likelihood score of the row in [0,1]. The row is compared with the history *before* it joins it.
   */
  update(rawScore: number): number {
    const r = Number.isFinite(rawScore) ? rawScore : 1;
    const slot = this.rows % this.shortRows;
    if (this.shortCount === this.shortRows) this.shortSum -= this.shortBuf[slot]!;
    else this.shortCount++;
    this.shortBuf[slot] = r;
    this.shortSum += r;
    const mean = this.shortSum / this.shortCount;
    let score = 0;
    if (this.historyCount >= this.minHistoryRows) {
      const mu = this.historySum / this.historyCount;
      const variance = Math.max(0, this.historySumSq / this.historyCount - mu * mu);
      const sd = Math.max(Math.sqrt(variance), this.minStdDev);
      const tail = gaussianTail((mean - mu) / sd);
      score = Math.min(1, Math.max(0, Math.log(tail + 1e-10) / Math.log(1e-10)));
    }
    const h = this.rows % this.historyRows;
    if (this.historyCount === this.historyRows) {
      const old = this.historyBuf[h]!;
      this.historySum -= old;
      this.historySumSq -= old * old;
    } else {
      this.historyCount++;
    }
    this.historyBuf[h] = mean;
    this.historySum += mean;
    this.historySumSq += mean * mean;
    this.rows++;
    return score;
  }
}
