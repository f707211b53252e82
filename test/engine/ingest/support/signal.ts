/** Small signal statistics for simulator tests (independent of the features module). */

/** Excess kurtosis (0 for Gaussian noise). */
export function kurtosis(x: Float32Array): number {
  let m = 0;
  for (const v of x) m += v;
  m /= x.length;
  let s2 = 0;
  let s4 = 0;
  for (const v of x) {
    const d = (v - m) * (v - m);
    s2 += d;
    s4 += d * d;
  }
  s2 /= x.length;
  s4 /= x.length;
  return s4 / (s2 * s2) - 3;
}

/** Frequency (Hz) of the largest Hann-windowed DFT magnitude between loHz and hiHz, scanned in stepHz (Goertzel). */
export function peakFrequency(x: Float32Array, fs: number, loHz: number, hiHz: number, stepHz: number): number {
  const n = x.length;
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = x[i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)));
  let best = loHz;
  let bestMag = -1;
  for (let f = loHz; f <= hiHz; f += stepHz) {
    const c = 2 * Math.cos((2 * Math.PI * f) / fs);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const s0 = w[i]! + c * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    const mag = s1 * s1 + s2 * s2 - c * s1 * s2;
    if (mag > bestMag) {
      bestMag = mag;
      best = f;
    }
  }
  return best;
}

/**
 * Lag (samples) in [minLag, maxLag] where the autocorrelation of the squared, mean-removed signal
 * peaks: the spacing of impacts, i.e. the period of the envelope.
 */
export function impactSpacing(x: Float32Array, minLag: number, maxLag: number): number {
  const n = x.length;
  const e = new Float64Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    e[i] = x[i]! * x[i]!;
    m += e[i]!;
  }
  m /= n;
  for (let i = 0; i < n; i++) e[i] = e[i]! - m;
  let best = minLag;
  let bestR = -Infinity;
  for (let lag = minLag; lag <= maxLag; lag++) {
    let r = 0;
    for (let i = 0; i + lag < n; i++) r += e[i]! * e[i + lag]!;
    r /= n - lag;
    if (r > bestR) {
      bestR = r;
      best = lag;
    }
  }
  return best;
}
