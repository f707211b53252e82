/** Time-domain statistics of one window; all in the channel's unit (g) or dimensionless. */
export interface TimeStats {
  meanG: number;
  rmsG: number;
  /** Largest |x − mean|. */
  peakG: number;
  /** peak / rms: rises with isolated impacts before the RMS does. */
  crest: number;
  /** Excess kurtosis, 0 for Gaussian noise, −1.5 for a sine; impacts push it up. */
  kurtosis: number;
  skewness: number;
}

/** A zeroed TimeStats to preallocate and reuse with `timeStats(x, out)`. */
export function emptyTimeStats(): TimeStats {
  return { meanG: 0, rmsG: 0, peakG: 0, crest: 0, kurtosis: 0, skewness: 0 };
}

/**
 * Mean-removed RMS, peak, crest factor, excess kurtosis and skewness in two passes, written into `out`.
 *
 * Why mean-removed: accelerometers carry a DC offset that says nothing about the machine, and
 * higher moments are only meaningful about the mean. Two passes (mean, then central moments) in
 * float64 avoid the cancellation of one-pass raw-moment formulas on offset float32 data.
 * A constant window yields rms 0, crest 0, kurtosis 0, skewness 0 instead of NaN.
 */
export function timeStats(x: ArrayLike<number>, out: TimeStats = emptyTimeStats()): TimeStats {
  const n = x.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[i]!;
  const mean = n > 0 ? sum / n : 0;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  let peak = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
    const a = d < 0 ? -d : d;
    if (a > peak) peak = a;
  }
  out.meanG = mean;
  if (n === 0 || m2 === 0) {
    out.rmsG = 0;
    out.peakG = 0;
    out.crest = 0;
    out.kurtosis = 0;
    out.skewness = 0;
    return out;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  const rms = Math.sqrt(m2);
  out.rmsG = rms;
  out.peakG = peak;
  out.crest = peak / rms;
  out.kurtosis = m4 / (m2 * m2) - 3;
  out.skewness = m3 / (m2 * rms);
  return out;
}
