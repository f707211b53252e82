import type { EnvelopeFeatures } from '../contract/features';
import { BandSelector } from './BandSelector';
import type { DefectMultiples } from './defectMultiples';
import { ComplexFft, RealFft } from './fft';
import { DefectBins } from './DefectBins';
import { hannWindow, tukeyWindow, windowSum } from './windows';
import { medianInPlace } from './median';

/** Tuning of envelope analysis; defaults are the values measured on CWRU (see the feature report). */
export interface EnvelopeOptions {
  /** Harmonics of each defect frequency summed into its amplitude. */
  harmonics: number;
  /** Search tolerance around each harmonic, relative (slip of rolling elements is 1–2 %). */
  tolRel: number;
  /** Fixed demodulation band [lowHz, highHz] instead of the kurtogram (for comparison and for known resonances). */
  fixedBandHz: [number, number] | null;
  /** Narrowest band the kurtogram may choose. */
  minBandHz: number;
  /** Kurtogram band widths as divisors of Nyquist. */
  kurtogramDivisors: number[];
  /** Highest frequency any kurtogram band may reach, as a fraction of Nyquist. */
  kurtogramTopFrac: number;
}

/**
 * Defaults measured on CWRU (12 kHz, 4096 points): 3 harmonics, ±2 % tolerance, a kurtogram of wide
 * bands (Nyquist/1.2 … Nyquist/3) that stay below 90 % of Nyquist. Narrower bands (Nyquist/4 … /8) and
 * bands reaching Nyquist let kurtosis pick the anti-aliasing roll-off and halved the BPFO line-to-floor
 * ratio on the 0.007 in outer-race records (65 → 31) without helping any other record.
 */
export function defaultEnvelopeOptions(sampleRateHz: number): EnvelopeOptions {
  return { harmonics: 3, tolRel: 0.02, fixedBandHz: null, minBandHz: Math.min(1000, sampleRateHz / 16), kurtogramDivisors: [1.2, 1.5, 2, 3], kurtogramTopFrac: 0.9 };
}

/**
 * Envelope (demodulation) analysis of one window: band-pass around the structural resonance in the
 * frequency domain, Hilbert envelope by a one-sided inverse FFT, Hann-windowed spectrum of the
 * envelope, and the amplitudes at the bearing defect frequencies over a noise floor.
 *
 * Why: a bearing defect shows as a train of impacts that ring the housing's resonance at kHz; the
 * raw spectrum hides their repetition rate under machine noise, the envelope spectrum shows it as
 * lines at BPFO/BPFI/BSF/FTF. All buffers, window tables, masks and FFT setups are made here once.
 */
export class EnvelopeAnalyzer {
  /** Envelope spectrum amplitude per bin (g), valid after `analyze`; bins 0–1 hold the envelope's mean. */
  readonly envAmpG: Float64Array;
  readonly binHz: number;
  readonly bins: DefectBins;
  private readonly size: number;
  private readonly opts: EnvelopeOptions;
  private readonly fwd: RealFft;
  private readonly inv: ComplexFft;
  private readonly selector: BandSelector;
  private readonly tukey: Float64Array;
  private readonly hann: Float64Array;
  private readonly envAmpScale: number;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly env: Float64Array;
  private readonly moments = new Float64Array(2);
  private readonly fixedLoBin: number;
  private readonly fixedMask: Float64Array | null;

  /** Requires `initDsp()`. */
  constructor(size: number, sampleRateHz: number, opts: EnvelopeOptions = defaultEnvelopeOptions(sampleRateHz)) {
    this.size = size;
    this.opts = opts;
    this.binHz = sampleRateHz / size;
    const half = (size >> 1) + 1;
    this.fwd = new RealFft(size);
    this.inv = new ComplexFft(size);
    this.selector = new BandSelector(size, sampleRateHz, opts.minBandHz, opts.kurtogramDivisors, opts.kurtogramTopFrac);
    this.tukey = tukeyWindow(size, 0.1);
    this.hann = hannWindow(size);
    this.envAmpScale = 2 / windowSum(this.hann);
    this.re = new Float64Array(half);
    this.im = new Float64Array(half);
    this.env = new Float64Array(size);
    this.envAmpG = new Float64Array(half);
    this.bins = new DefectBins(this.binHz, half, opts.harmonics, opts.tolRel);
    if (opts.fixedBandHz) {
      const lo = Math.max(1, Math.round(opts.fixedBandHz[0] / this.binHz));
      const hi = Math.min(half - 1, Math.round(opts.fixedBandHz[1] / this.binHz));
      this.fixedLoBin = lo;
      this.fixedMask = new Float64Array(hi - lo + 1).fill(1);
    } else {
      this.fixedLoBin = 0;
      this.fixedMask = null;
    }
  }

  /**
   * Analyse window `x` (length `size`, oldest first) for a bearing with `mult` at `shaftHz`, writing
   * into `out`. Defect-frequency bins are cached in `bins` and only recomputed when the speed changes.
   */
  analyze(x: ArrayLike<number>, mult: DefectMultiples, shaftHz: number, out: EnvelopeFeatures): void {
    const n = this.size;
    this.fwd.forward(x, this.re, this.im, this.tukey);
    let loBin: number;
    let mask: Float64Array;
    if (this.fixedMask) {
      loBin = this.fixedLoBin;
      mask = this.fixedMask;
    } else {
      const best = this.selector.select(this.re, this.im);
      ({ loBin, mask } = this.selector.mask(best));
    }
    // Analytic signal of the band: one-sided spectrum, doubled, inverse transformed; |z| is the envelope.
    this.inv.loadBand(this.re, this.im, loBin, mask, loBin);
    this.inv.inverseMagnitude(this.env, 2 / n, this.moments);
    this.fwd.forward(this.env, this.re, this.im, this.hann);
    const half = n >> 1;
    const { re, im, envAmpG, envAmpScale } = this;
    for (let k = 0; k <= half; k++) envAmpG[k] = Math.sqrt(re[k]! * re[k]! + im[k]! * im[k]!) * envAmpScale;
    this.bins.update(mult, shaftHz);
    out.bandLowHz = loBin * this.binHz;
    out.bandHighHz = (loBin + mask.length - 1) * this.binHz;
    out.bpfoG = this.bins.amplitude(0, this.envAmpG);
    out.bpfiG = this.bins.amplitude(1, this.envAmpG);
    out.bsfG = this.bins.amplitude(2, this.envAmpG);
    out.ftfG = this.bins.amplitude(3, this.envAmpG);
    out.floorG = medianInPlace(this.bins.scratch, this.bins.copyFloorRange(this.envAmpG));
  }

  /** Free the FFTs' wasm buffers. */
  dispose(): void {
    this.fwd.dispose();
    this.inv.dispose();
    this.selector.dispose();
  }
}
