/**
 * Window tables. Built once per extractor (pre-fetched), never per hop.
 */

/**
 * Periodic Hann window of length n. Periodic (not symmetric) so that its DFT has exactly three
 * non-zero bins: leakage of a line (or of DC) stops at ±1 bin, which keeps defect lines clean.
 */
export function hannWindow(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

/**
 * Tukey (tapered cosine) window: flat in the middle, cosine tapers over `alpha`·n samples in total.
 * Used before band-pass filtering for the envelope, so edges do not create a step (which a band-pass
 * turns into an impulse and spectral kurtosis mistakes for a bearing impact), while most samples
 * keep full weight and the kurtosis of impacts is not distorted by a bell-shaped taper.
 */
export function tukeyWindow(n: number, alpha: number): Float64Array {
  const w = new Float64Array(n);
  const taper = Math.max(1, Math.floor((alpha * n) / 2));
  for (let i = 0; i < n; i++) {
    const e = Math.min(i, n - 1 - i);
    w[i] = e >= taper ? 1 : 0.5 - 0.5 * Math.cos((Math.PI * e) / taper);
  }
  return w;
}

/** Sum of the window: N × coherent gain. Divides spectra so a sine reads its amplitude. */
export function windowSum(w: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i]!;
  return s;
}

/** Sum of squared window: sets the power (Parseval) scaling, N × incoherent power gain. */
export function windowPowerSum(w: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i]! * w[i]!;
  return s;
}
