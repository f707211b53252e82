import type { AssetConfig } from '../contract/asset';
import type { EngineEvent } from '../contract/events';
import type { FeatureSet } from '../contract/features';
import {
  LIVE_MAX_CHANNELS,
  LIVE_MAX_FEATURES,
  type LiveChannel,
  type LiveContributions,
  type LiveDiagnosis,
  type LiveEnvelope,
  type LiveLevel,
  type LiveMarker,
  type LiveSpectrum,
  type LiveView,
  type LiveWaveform,
} from '../contract/live';
import type { AnalysedWindow, Engine } from '../engine';
import { defectMultiples, type DefectMultiples } from '../features/defectMultiples';
import { FeatureExtractor } from '../features/FeatureExtractor';
import { toModelVector } from '../features/modelVector';
import { forwardAutoencoder } from '../learn/autoencoderForward';
import { latentSize } from '../learn/autoencoderParams';
import type { AssetMonitor, ProtectionView } from '../monitor/AssetMonitor';
import type { CommissionedModel } from '../monitor/commission';
import { diagnoseFeatureSets } from '../monitor/diagnosis';
import { decimateMinMax, peakHold, roundSeries, roundValue } from './liveSeries';
import { TrendRing } from './TrendRing';

/** What the live view reads of the engine. */
export type LiveEngine = Pick<Engine, 'on' | 'onWindow' | 'monitor' | 'cache' | 'ingest'>;

/** One trend point per quarter second, five minutes of them (1200 points, under LIVE_MAX_POINTS). */
export const TREND_BUCKET_MS = 250;
export const TREND_POINTS = 1200;
/** Bins 0 and 1 hold the mean (the sensor's offset, the envelope's level) and its window leakage: left out, they would dwarf every line. */
const FIRST_BIN = 2;
/** The envelope spectrum is shown up to this many times the highest defect frequency (the analysed harmonics are 1–3)… */
const ENVELOPE_SPAN_DEFECT = 3.5;
/** …and at least up to this shaft order, so a slow machine's plot is not a few bins wide. */
const ENVELOPE_MIN_ORDERS = 10;
/** Windows whose evidence is averaged for the diagnosis shown while the asset is normal (as the monitor does during an alarm). */
const RECENT_DIAGNOSIS_WINDOWS = 16;

/** The parts of a channel's view that depend only on its latest window (and model): built at most once per window. */
interface Built {
  endMs: number;
  modelVersion: string | null;
  waveform: LiveWaveform;
  spectrum: LiveSpectrum;
  envelope: LiveEnvelope;
  contributions: LiveContributions | null;
}

interface ChannelState {
  readonly assetId: string;
  readonly channelId: string;
  readonly multiples: DefectMultiples;
  readonly trend: TrendRing;
  /** The latest analysed window: references, replaced per window, never copied here. */
  last: AnalysedWindow | null;
  /** Engine clock when it arrived. */
  receivedMs: number | null;
  /** The latest ScoreComputed values of this channel (NaN: not scored). */
  score: number;
  velocityMmS: number;
  /** The same DSP as the engine's extractor (same config, pure in its inputs), run on request only; made at the first request. */
  extractor: FeatureExtractor | null;
  built: Built | null;
}

/**
 * The asset page's live data, kept per waveform channel as cheaply as the hot path allows: on each
 * window only references to its samples and features are stored (the engine copies a window once
 * for the monitor; this shares that copy), and on each score one point goes into a fixed ring.
 * Everything a chart needs (spectra, decimation, marker frequencies, contributions, rounding) is
 * built only when a front end asks (`view`), at most once per window however many ask.
 *
 * Why recompute the spectra instead of copying the engine's: copying two spectra per window on the
 * trip path would cost every window for a page that is rarely open; the extractor is pure in its
 * inputs, so the same window gives the same spectra and the same demodulation band.
 *
 * Memory is bounded: per waveform channel one window reference, one built view and a ring of
 * TREND_POINTS. Owns its subscriptions and wasm buffers: `dispose()` releases them.
 */
export class LiveViews {
  private readonly states = new Map<string, ChannelState>();
  private readonly unsubscribe: Array<() => void>;

  constructor(
    private readonly engine: LiveEngine,
    private readonly clock: () => number,
  ) {
    this.unsubscribe = [engine.onWindow((w) => this.onWindow(w)), engine.on((e) => this.onEvent(e))];
  }

  /**
   * The live view of an asset (all its waveform channels, or the one named), or null when the
   * asset or channel does not exist. Never changes the engine.
   */
  view(assetId: string, channelId?: string): LiveView | null {
    const m = this.engine.monitor(assetId);
    if (!m) return null;
    const channels = m.config.channels.filter((c) => channelId === undefined || c.channelId === channelId);
    if (channelId !== undefined && channels.length === 0) return null;
    const pv = m.protectionView();
    return {
      assetId,
      name: m.config.name,
      atMs: this.clock(),
      level: pv.level,
      latched: pv.latched,
      operatingState: pv.operatingState,
      modelVersion: m.modelVersion,
      diagnosis: this.diagnosis(m),
      channels: channels.slice(0, LIVE_MAX_CHANNELS).map((c) => this.channel(m, c.channelId, pv)),
    };
  }

  /** Stops listening and frees the DSP buffers. */
  dispose(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    for (const s of this.states.values()) s.extractor?.dispose();
    this.states.clear();
  }

  private onWindow(w: AnalysedWindow): void {
    const s = this.state(w.assetId, w.channelId);
    if (!s) return;
    s.last = w;
    s.receivedMs = this.clock();
  }

  private onEvent(e: EngineEvent): void {
    if (e.type !== 'ScoreComputed') return;
    const s = this.state(e.assetId, e.channelId);
    if (!s) return;
    s.score = e.score;
    s.velocityMmS = e.velocityRmsMmS;
    s.trend.push(e.endMs, e.score, e.velocityRmsMmS);
  }

  /** The state of a waveform channel, made at its first window or score; undefined for anything else (vector channels). */
  private state(assetId: string, channelId: string): ChannelState | undefined {
    const k = `${assetId}\u0000${channelId}`;
    const found = this.states.get(k);
    if (found) return found;
    const config = this.engine.monitor(assetId)?.config;
    if (!config?.channels.some((c) => c.channelId === channelId)) return undefined;
    const s: ChannelState = {
      assetId,
      channelId,
      multiples: defectMultiples(config.bearing),
      trend: new TrendRing(TREND_BUCKET_MS, TREND_POINTS),
      last: null,
      receivedMs: null,
      score: Number.NaN,
      velocityMmS: Number.NaN,
      extractor: null,
      built: null,
    };
    this.states.set(k, s);
    return s;
  }

  private channel(m: AssetMonitor, channelId: string, pv: ProtectionView): LiveChannel {
    const s = this.state(m.config.assetId, channelId)!;
    const last = s.last;
    const model = m.model(channelId);
    const built = last ? this.build(s, last, m.config, model) : null;
    const shaftHz = last?.features.shaftHz ?? null;
    return {
      channelId,
      quality: this.engine.ingest.quality(s.assetId, channelId) ?? 'stale',
      lastWindowMs: last?.endMs ?? null,
      receivedMs: s.receivedMs,
      shaftHz: roundValue(shaftHz, 5),
      score: roundValue(s.score),
      velocityMmS: roundValue(s.velocityMmS),
      waveform: built?.waveform ?? null,
      spectrum: built?.spectrum ?? null,
      envelope: built?.envelope ?? null,
      markers: markers(shaftHz ?? m.config.nominalShaftHz, s.multiples),
      levels: levels(pv, channelId),
      trend: s.trend.toLive(),
      contributions: built?.contributions ?? null,
      note: !last ? 'no window analysed yet (the channel has not delivered a full window of good data)' : !model ? 'commissioning: the model of normal is still being learned, no score yet' : null,
    };
  }

  /** The window-dependent parts of a channel's view, rebuilt only when a new window (or model) arrived since the last request. */
  private build(s: ChannelState, last: AnalysedWindow, config: AssetConfig, model: CommissionedModel | null): Built {
    const version = model?.version ?? null;
    if (s.built && s.built.endMs === last.endMs && s.built.modelVersion === version) return s.built;
    const n = last.samples.length;
    s.extractor ??= new FeatureExtractor({ assetId: s.assetId, channelId: s.channelId, sampleRateHz: last.sampleRateHz, windowSize: n, bearing: config.bearing });
    const fs = s.extractor.extract(last.samples, last.endMs, last.features.shaftHz);
    const binHz = last.sampleRateHz / n;
    const spectrum = spectrumOf(s.extractor.spectrumG, binHz, s.extractor.spectrumG.length);
    const topHz = Math.max(ENVELOPE_MIN_ORDERS * fs.shaftHz, ENVELOPE_SPAN_DEFECT * Math.max(s.multiples.bpfi, s.multiples.bpfo, s.multiples.bsf) * fs.shaftHz);
    const env = s.extractor.envelopeSpectrumG;
    const envelope = { ...spectrumOf(env, binHz, Math.min(env.length, Math.ceil(topHz / binHz) + 1)), bandLowHz: fs.envelope.bandLowHz, bandHighHz: fs.envelope.bandHighHz };
    const trace = decimateMinMax(last.samples);
    const waveform = { endMs: last.endMs, sampleRateHz: last.sampleRateHz, sampleCount: n, index: trace.index, valueG: roundSeries(trace.value) };
    s.built = { endMs: last.endMs, modelVersion: version, waveform, spectrum, envelope, contributions: model ? contributions(model, last.features) : null };
    return s.built;
  }

  /** The alarm's diagnosis while the asset is abnormal; otherwise what the recent windows' evidence says against the commissioning baseline. */
  private diagnosis(m: AssetMonitor): LiveDiagnosis | null {
    if (m.live.diagnosis) return { source: 'alarm', ...roundDiagnosis(m.live.diagnosis) };
    for (const c of m.config.channels) {
      const baseline = m.model(c.channelId)?.baseline;
      const recent = baseline ? this.engine.cache.history(m.config.assetId, c.channelId, RECENT_DIAGNOSIS_WINDOWS) : [];
      if (baseline && recent.length > 0) return { source: 'recent', ...roundDiagnosis(diagnoseFeatureSets(recent, baseline, m.config.bearing)) };
    }
    return null;
  }
}

function spectrumOf(amplitudeG: Float64Array, binHz: number, toBin: number): LiveSpectrum {
  const p = peakHold(amplitudeG, binHz, FIRST_BIN, toBin);
  return { startHz: roundValue(p.startHz, 6)!, stepHz: roundValue(p.stepHz, 6)!, binHz: roundValue(binHz, 6)!, amplitudeG: roundSeries(p.values) };
}

/** 1x and the four defect frequencies at `shaftHz`, in Hz to 0.01. */
function markers(shaftHz: number, m: DefectMultiples): LiveMarker[] {
  const at = (mult: number): number => Math.round(mult * shaftHz * 100) / 100;
  return [
    { label: '1x', freqHz: at(1) },
    { label: 'BPFI', freqHz: at(m.bpfi) },
    { label: 'BPFO', freqHz: at(m.bpfo) },
    { label: 'BSF', freqHz: at(m.bsf) },
    { label: 'FTF', freqHz: at(m.ftf) },
  ].filter((x) => x.freqHz > 0) as LiveMarker[];
}

/** The score and velocity groups voting on this channel, their levels as in force in the current operating state. */
function levels(pv: ProtectionView, channelId: string): LiveLevel[] {
  const out: LiveLevel[] = [];
  for (const g of pv.config.groups) {
    if (!g.channels.includes(channelId) || g.quantity.kind === 'feature') continue;
    const f = g.tripMultiplied ? pv.config.tripMultiply[pv.operatingState] : 1;
    out.push({ groupId: g.id, quantity: g.quantity.kind, alert: g.alert * f, danger: g.danger * f, tripMultiply: f });
  }
  return out;
}

/**
 * Per-input shares of the latest score, from the production model's fp32 weights (see
 * LiveContributionsSchema for the arithmetic). Null when the window's vector cannot be scored in
 * TypeScript (another feature order, a non-finite feature): no attribution rather than a wrong one.
 */
function contributions(model: CommissionedModel, fs: FeatureSet): LiveContributions | null {
  const p = model.params;
  const x = toModelVector(fs);
  if (p.featureNames.length !== x.length) return null;
  let trace;
  try {
    trace = forwardAutoencoder(p, x);
  } catch {
    return null;
  }
  const f = p.featureNames.length;
  const k = latentSize(p);
  const residual = new Float64Array(f);
  let inputs = 0;
  for (let i = 0; i < f; i++) {
    residual[i] = (trace.z[i]! - trace.reconstruction[i]!) / p.residualScale[i]!;
    inputs += residual[i]! * residual[i]!;
  }
  let latent = 0;
  for (let j = 0; j < k; j++) {
    const l = (trace.latent[j]! - p.latentCentre[j]!) / p.latentScale[j]!;
    latent += l * l;
  }
  const total = inputs + latent;
  const share = (v: number): number => (total > 0 ? Math.min(1, v / total) : 0);
  const features = p.featureNames
    .map((feature, i) => ({ feature, share: share(residual[i]! * residual[i]!), deviation: roundValue(trace.z[i]!, 3) ?? 0, residual: roundValue(residual[i]!, 3) ?? 0 }))
    .sort((a, b) => b.share - a.share)
    .slice(0, LIVE_MAX_FEATURES)
    .map((c) => ({ ...c, share: roundValue(c.share, 3) ?? 0 }));
  return {
    method: 'autoencoder-distance',
    modelVersion: model.version,
    referenceScore: roundValue(Math.sqrt(total / (f + k)) / p.threshold) ?? 0,
    latentShare: roundValue(share(latent), 3) ?? 0,
    features,
  };
}

function roundDiagnosis<D extends { confidence: number; evidence: Array<{ freqHz: number | null; value: number; baseline: number; ratio: number }> }>(d: D): D {
  return {
    ...d,
    confidence: roundValue(d.confidence, 3) ?? 0,
    evidence: d.evidence.map((e) => ({ ...e, freqHz: roundValue(e.freqHz, 5), value: roundValue(e.value) ?? 0, baseline: roundValue(e.baseline) ?? 0, ratio: roundValue(e.ratio, 3) ?? 0 })),
  };
}
