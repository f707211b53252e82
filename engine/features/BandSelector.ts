import { ComplexFft } from './fft';

/** One candidate demodulation band, with everything its kurtosis needs prepared ahead. */
interface Candidate {
  loBin: number;
  hiBin: number;
  /** Raised-cosine edged pass mask over bins loBin..hiBin. */
  mask: Float64Array;
  /** Shared inverse FFT of the smallest size holding the band (baseband, decimated). */
  fft: ComplexFft;
}

/**
 * Picks the demodulation band for envelope analysis by spectral kurtosis, as a fast kurtogram
 * computed in the frequency domain: for a fixed grid of bands (widths Nyquist/2, /3, /4, /6 on a
 * half-width step, as in Antoni's 1/3-binary kurtogram), the band is shifted to baseband, inverse
 * transformed at the band's own (decimated) rate, and the kurtosis of the complex band signal
 * K = E|z|⁴ / (E|z|²)² − 2 is measured (0 for Gaussian noise, large when impacts ring the band).
 *
 * Why this and not a fixed band: the resonance that bearing impacts excite depends on the mounting
 * and differs from machine to machine (and on CWRU between recordings); kurtosis finds the band where
 * impacts stand out of the noise without knowing it beforehand. Why not STFT-SK: the per-band
 * envelope kurtosis is the quantity envelope analysis then uses, at a cost of ~25 small inverse FFTs.
 */
export class BandSelector {
  /** Kurtosis of each candidate at the last `select` call, in candidate order. */
  readonly kurtosis: Float64Array;
  private readonly candidates: Candidate[];
  private readonly moments = new Float64Array(2);
  private readonly plans: ComplexFft[] = [];
  private readonly binHz: number;

  /**
   * @param size length of the real FFT whose bins are given to `select`
   * @param sampleRateHz sampling rate
   * @param minBandHz narrowest band to consider: it must pass the highest envelope line of interest twice over
   * @param divisors band widths as fractions of Nyquist (width = Nyquist / divisor)
   * @param topFrac highest usable frequency as a fraction of Nyquist: above it the acquisition's
   *   anti-aliasing filter rolls off, noise is whitened by nothing and kurtosis misleads
   */
  constructor(size: number, sampleRateHz: number, minBandHz: number, divisors: readonly number[] = [2, 3, 4, 6, 8], topFrac = 1) {
    const half = Math.floor((size >> 1) * topFrac);
    this.binHz = sampleRateHz / size;
    const bySize = new Map<number, ComplexFft>();
    this.candidates = [];
    for (const div of divisors) {
      const width = Math.floor(half / div);
      if (width * this.binHz < minBandHz) continue;
      const step = width >> 1;
      // Start one half-width above DC: the lowest band would hold shaft harmonics, not a resonance.
      for (let lo = step; lo + width <= half; lo += step) {
        const len = width + 1;
        let m = 32;
        while (m < len) m <<= 1;
        let fft = bySize.get(m);
        if (!fft) {
          fft = new ComplexFft(m);
          bySize.set(m, fft);
          this.plans.push(fft);
        }
        this.candidates.push({ loBin: lo, hiBin: lo + width, mask: bandMask(len), fft });
      }
    }
    this.kurtosis = new Float64Array(this.candidates.length);
  }

  /** Number of candidate bands. */
  get count(): number {
    return this.candidates.length;
  }

  /** Band edges of candidate i in Hz. */
  bandHz(i: number): [number, number] {
    const c = this.candidates[i]!;
    return [c.loBin * this.binHz, c.hiBin * this.binHz];
  }

  /** The pass mask of candidate i, so the envelope uses the same filter the kurtosis was measured through. */
  mask(i: number): { loBin: number; mask: Float64Array } {
    const c = this.candidates[i]!;
    return { loBin: c.loBin, mask: c.mask };
  }

  /** Measure every candidate on the one-sided spectrum (re, im) and return the index of the most impulsive. */
  select(re: Float64Array, im: Float64Array): number {
    let best = 0;
    for (let i = 0; i < this.candidates.length; i++) {
      const c = this.candidates[i]!;
      c.fft.loadBand(re, im, c.loBin, c.mask, 0);
      c.fft.inverseMagnitude(null, 1, this.moments);
      const m2 = this.moments[0]!;
      const k = m2 > 0 ? (c.fft.size * this.moments[1]!) / (m2 * m2) - 2 : 0;
      this.kurtosis[i] = k;
      if (k > this.kurtosis[best]!) best = i;
    }
    return best;
  }

  /** Free the inverse FFTs' wasm buffers. */
  dispose(): void {
    for (const p of this.plans) p.dispose();
  }
}

/**
 * Pass mask with raised-cosine edges over 10 % of the band on each side: a brick wall would ring
 * (Gibbs) and smear each impact over the whole window, lowering the kurtosis it is meant to reveal.
 */
export function bandMask(len: number): Float64Array {
  const m = new Float64Array(len);
  const edge = Math.max(1, Math.round(len * 0.1));
  for (let i = 0; i < len; i++) {
    const e = Math.min(i, len - 1 - i);
    m[i] = e >= edge ? 1 : 0.5 - 0.5 * Math.cos((Math.PI * (e + 0.5)) / edge);
  }
  return m;
}
