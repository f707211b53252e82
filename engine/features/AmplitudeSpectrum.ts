import { RealFft } from './fft';
import { hannWindow, windowPowerSum, windowSum } from './windows';

/** Standard gravity: the unit the recordings use for acceleration. */
export const G_M_S2 = 9.80665;

/**
 * Hann-windowed single-sided spectrum of one window, kept as amplitude (for reading lines) and as
 * mean-square per bin (for band energies by Parseval). One instance per channel; all buffers owned.
 *
 * Amplitude scaling is coherent-gain corrected: a unit sine on a bin reads 1.0. Power scaling is
 * corrected by the window's power sum, so summing `msG2` over all bins gives the time-domain mean
 * square (Parseval), whatever the window does to individual lines.
 */
export class AmplitudeSpectrum {
  readonly size: number;
  readonly sampleRateHz: number;
  /** Bin spacing in Hz. */
  readonly binHz: number;
  /** Peak amplitude per bin k = 0..n/2 (g for g input). */
  readonly ampG: Float64Array;
  /** Mean-square per bin (g²); Σ msG2 ≈ variance + mean² of the input. */
  readonly msG2: Float64Array;
  private readonly fft: RealFft;
  private readonly window: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly ampScale: number;
  private readonly msScale: number;

  /** Allocates everything once: window table, FFT setup, output arrays. Requires `initDsp()`. */
  constructor(size: number, sampleRateHz: number) {
    this.size = size;
    this.sampleRateHz = sampleRateHz;
    this.binHz = sampleRateHz / size;
    this.fft = new RealFft(size);
    this.window = hannWindow(size);
    const half = (size >> 1) + 1;
    this.re = new Float64Array(half);
    this.im = new Float64Array(half);
    this.ampG = new Float64Array(half);
    this.msG2 = new Float64Array(half);
    this.ampScale = 2 / windowSum(this.window);
    this.msScale = 2 / (size * windowPowerSum(this.window));
  }

  /** Transform `x` (length `size`, oldest first) and fill `ampG` and `msG2`. */
  compute(x: ArrayLike<number>): void {
    this.fft.forward(x, this.re, this.im, this.window);
    const half = this.size >> 1;
    const { re, im, ampG, msG2, ampScale, msScale } = this;
    for (let k = 0; k <= half; k++) {
      const p = re[k]! * re[k]! + im[k]! * im[k]!;
      const edge = k === 0 || k === half;
      ampG[k] = Math.sqrt(p) * ampScale * (edge ? 0.5 : 1);
      msG2[k] = p * msScale * (edge ? 0.5 : 1);
    }
  }

  /**
   * Amplitude of the strongest line within ±`tolRel` (at least ±1 bin) of `freqHz`, read from the
   * power of its three-bin main lobe so it does not depend on where the line falls between bins
   * (Hann scalloping would otherwise cost up to 15 %).
   */
  lineAmplitude(freqHz: number, tolRel: number): number {
    const c = freqHz / this.binHz;
    const span = Math.max(1, Math.ceil(c * tolRel));
    const half = this.size >> 1;
    const lo = Math.max(1, Math.round(c) - span);
    const hi = Math.min(half - 1, Math.round(c) + span);
    let best = lo;
    for (let k = lo + 1; k <= hi; k++) if (this.msG2[k]! > this.msG2[best]!) best = k;
    if (hi < lo) return 0;
    const ms = this.msG2[best - 1]! + this.msG2[best]! + this.msG2[best + 1]!;
    return Math.sqrt(2 * ms);
  }

  /**
   * ISO 20816 broadband velocity RMS in mm/s over [lowHz, highHz] from the acceleration spectrum (g),
   * integrating in the frequency domain: each bin's mean square is divided by (2πf)². Doing it here
   * avoids time-domain integration drift and reuses the spectrum the extractor computes anyway.
   */
  velocityRmsMmS(lowHz = 10, highHz = 1000): number {
    const half = this.size >> 1;
    const kLo = Math.max(1, Math.ceil(lowHz / this.binHz));
    const kHi = Math.min(half, Math.floor(highHz / this.binHz));
    let ms = 0;
    for (let k = kLo; k <= kHi; k++) {
      const w = 2 * Math.PI * k * this.binHz;
      ms += this.msG2[k]! / (w * w);
    }
    return Math.sqrt(ms) * G_M_S2 * 1000;
  }

  /** Free the FFT's wasm buffers. */
  dispose(): void {
    this.fft.dispose();
  }
}
