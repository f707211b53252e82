import type { Bearing } from '../contract/asset';
import type { FeatureSet } from '../contract/features';
import { AmplitudeSpectrum } from './AmplitudeSpectrum';
import { defectMultiples, type DefectMultiples } from './defectMultiples';
import { defaultEnvelopeOptions, EnvelopeAnalyzer, type EnvelopeOptions } from './EnvelopeAnalyzer';
import { emptyTimeStats, timeStats, type TimeStats } from './timeStats';

/** What one channel's extractor is built for; fixed for its lifetime. */
export interface FeatureExtractorConfig {
  assetId: string;
  channelId: string;
  sampleRateHz: number;
  /** Samples per window, a power of two ≥ 256. */
  windowSize: number;
  bearing: Bearing;
  /** Envelope tuning; defaults are the CWRU-measured values. */
  envelope?: Partial<EnvelopeOptions>;
}

/** Tolerance for finding shaft-order lines: speed estimates and slip of induction motors, ±2 %. */
const ORDER_TOL_REL = 0.02;

/**
 * Computes a channel's FeatureSet once per hop. Everything the next hop needs is prepared here
 * ahead of time (pre-fetch): window tables, FFT setups, band masks of the kurtogram, and the
 * defect-frequency bins, which are cached until the shaft speed changes. `extract` allocates only
 * the returned FeatureSet (it outlives the call in the feature cache); no per-sample allocation.
 *
 * Not thread-safe (owns scratch buffers): one instance per channel, which is how the engine runs.
 */
export class FeatureExtractor {
  readonly assetId: string;
  readonly channelId: string;
  readonly sampleRateHz: number;
  readonly windowSize: number;
  readonly multiples: DefectMultiples;
  private readonly spectrum: AmplitudeSpectrum;
  private readonly envelope: EnvelopeAnalyzer;
  private readonly stats: TimeStats = emptyTimeStats();

  /** Requires `await initDsp()` beforehand. */
  constructor(cfg: FeatureExtractorConfig) {
    const n = cfg.windowSize;
    if (!Number.isInteger(n) || n < 256 || (n & (n - 1)) !== 0) throw new Error(`windowSize must be a power of two ≥ 256, got ${n}`);
    if (!(cfg.sampleRateHz > 0)) throw new Error(`sampleRateHz must be positive, got ${cfg.sampleRateHz}`);
    this.assetId = cfg.assetId;
    this.channelId = cfg.channelId;
    this.sampleRateHz = cfg.sampleRateHz;
    this.windowSize = n;
    this.multiples = defectMultiples(cfg.bearing);
    this.spectrum = new AmplitudeSpectrum(n, cfg.sampleRateHz);
    this.envelope = new EnvelopeAnalyzer(n, cfg.sampleRateHz, { ...defaultEnvelopeOptions(cfg.sampleRateHz), ...cfg.envelope });
  }

  /**
   * Features of `window` (exactly `windowSize` samples in g, oldest first) ending at `endMs`, with
   * the shaft turning at `shaftHz`. Pure with respect to its inputs: same window, same result.
   */
  extract(window: Float32Array, endMs: number, shaftHz: number): FeatureSet {
    if (window.length !== this.windowSize) throw new Error(`window has ${window.length} samples, expected ${this.windowSize}`);
    if (!(shaftHz > 0)) throw new Error(`shaftHz must be positive, got ${shaftHz}`);
    const st = timeStats(window, this.stats);
    this.spectrum.compute(window);
    const fs: FeatureSet = {
      assetId: this.assetId,
      channelId: this.channelId,
      endMs,
      shaftHz,
      rmsG: st.rmsG,
      peakG: st.peakG,
      crest: st.crest,
      kurtosis: st.kurtosis,
      skewness: st.skewness,
      velocityRmsMmS: this.spectrum.velocityRmsMmS(10, 1000),
      order1G: this.spectrum.lineAmplitude(shaftHz, ORDER_TOL_REL),
      order2G: this.spectrum.lineAmplitude(2 * shaftHz, ORDER_TOL_REL),
      order3G: this.spectrum.lineAmplitude(3 * shaftHz, ORDER_TOL_REL),
      envelope: { bandLowHz: 0, bandHighHz: 0, bpfoG: 0, bpfiG: 0, bsfG: 0, ftfG: 0, floorG: 0 },
    };
    this.envelope.analyze(window, this.multiples, shaftHz, fs.envelope);
    return fs;
  }

  /** Envelope spectrum of the last window (g per bin of `sampleRateHz / windowSize` Hz), for plots and tests. Read-only view, overwritten by the next `extract`. */
  get envelopeSpectrumG(): Float64Array {
    return this.envelope.envAmpG;
  }

  /** Amplitude spectrum of the last window (g per bin), read-only view overwritten by the next `extract`. */
  get spectrumG(): Float64Array {
    return this.spectrum.ampG;
  }

  /** Free the wasm buffers. The extractor must not be used afterwards. */
  dispose(): void {
    this.spectrum.dispose();
    this.envelope.dispose();
  }
}
