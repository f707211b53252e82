import { MAX_MOMENT_SAMPLES, type IncidentMoment, type MomentSpectrum, type MomentWaveform } from '../contract/incidents';
import { AmplitudeSpectrum } from '../features/AmplitudeSpectrum';
import { initDsp } from '../features/fft';
import type { Repository } from '../store/Repository';
import { scoreAt } from './incidentScore';
import { sampleIndexAt, snapshotMeta, type Reviewed } from './snapshotSeries';
import type { WaveformSnapshotMeta } from './WaveformRecorder';

/** What `incidents.moment` asks for. */
export interface MomentQuery {
  incidentId: string;
  atMs: number;
  channelId?: string | undefined;
}

/** Smallest window the FFT takes (PFFFT's real transform needs a multiple of 32). */
const MIN_FFT_SAMPLES = 32;
/** Window used when the stored asset does not name the channel's analysis window. */
const FALLBACK_WINDOW_SAMPLES = 1024;

const endMsOf = (m: WaveformSnapshotMeta): number => m.startMs + (m.sampleCount * 1000) / m.sampleRateHz;
const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The window length of a moment: the engine's analysis window of the channel, halved until it
 * fits both `MAX_MOMENT_SAMPLES` and the snapshot (a power of two stays one, so the FFT is the
 * engine's kind). 0 when the snapshot is shorter than the FFT's smallest size.
 */
export function momentWindowSamples(engineWindowSamples: number | null, sampleCount: number): number {
  let n = engineWindowSamples ?? FALLBACK_WINDOW_SAMPLES;
  while (n > MIN_FFT_SAMPLES && (n > MAX_MOMENT_SAMPLES || n > sampleCount)) n = Math.floor(n / 2);
  return n >= MIN_FFT_SAMPLES && n <= sampleCount && n % MIN_FFT_SAMPLES === 0 ? n : 0;
}

/** Among snapshots that cover the moment, the one it sits deepest in (its window is least clipped). */
function coveringSnapshot(metas: readonly WaveformSnapshotMeta[], channelId: string, atMs: number): WaveformSnapshotMeta | null {
  let best: WaveformSnapshotMeta | null = null;
  let bestDepth = -Infinity;
  for (const m of metas) {
    if (m.channelId !== channelId || atMs < m.startMs || atMs >= endMsOf(m)) continue;
    const depth = Math.min(atMs - m.startMs, endMsOf(m) - atMs);
    if (depth > bestDepth) [best, bestDepth] = [m, depth];
  }
  return best;
}

/** Why there is no waveform at the moment, in a sentence a reviewer reads. */
function outsideText(metas: readonly WaveformSnapshotMeta[], channelId: string, atMs: number): string {
  const mine = metas.filter((m) => m.channelId === channelId);
  if (mine.length === 0) return `no waveform snapshot of ${channelId} is stored for this incident`;
  const spans = mine.map((m) => `${m.trigger === 'trip' ? 'trip' : 'first alert'} ${iso(m.startMs)} … ${iso(endMsOf(m))}`).join('; ');
  return `${iso(atMs)} is outside every waveform snapshot of ${channelId} (recorded: ${spans}); score and level are from the stored records`;
}

/**
 * The engine's amplitude spectrum (Hann window, coherent-gain corrected) of one window; a
 * non-finite sample is taken as 0 and counted. The FFT's wasm buffers are freed before returning.
 */
function spectrumOf(window: Float32Array, sampleRateHz: number): MomentSpectrum {
  const x = new Float32Array(window.length);
  let nonFinite = 0;
  for (let i = 0; i < window.length; i++) {
    const v = window[i]!;
    if (Number.isFinite(v)) x[i] = v;
    else nonFinite++;
  }
  const spectrum = new AmplitudeSpectrum(window.length, sampleRateHz);
  try {
    spectrum.compute(x);
    const amplitude = Array.from(spectrum.ampG);
    let bin = 1;
    for (let k = 2; k < amplitude.length; k++) if (amplitude[k]! > amplitude[bin]!) bin = k;
    return { sizeSamples: window.length, binHz: spectrum.binHz, amplitude, peak: { bin, freqHz: bin * spectrum.binHz, amplitude: amplitude[bin]! }, nonFiniteSamples: nonFinite };
  } finally {
    spectrum.dispose();
  }
}

/**
 * `incidents.moment`: at `atMs`, the raw window of the channel's snapshot that covers it (centred
 * on the moment's sample, shifted inward at the snapshot's edges so it stays whole), that window's
 * spectrum, and the score and level in force from the stored records. Without `channelId`, the
 * channel of the first snapshot covering the moment, else of the incident's first snapshot, else
 * the asset's first channel. A moment no snapshot covers is answered with `outside` saying so.
 * not_found for an unknown incident or a channel the asset and the snapshots do not have.
 */
export async function incidentMoment(repo: Repository, q: MomentQuery): Promise<Reviewed<IncidentMoment>> {
  const inc = repo.getIncident(q.incidentId);
  if (!inc) return { ok: false, code: 'not_found', message: `unknown incident ${q.incidentId}` };
  const metas = repo.snapshots.metaForIncident(q.incidentId);
  const config = repo.getAsset(inc.assetId)?.config;
  const channels = config?.channels ?? [];
  const assetChannels = [...channels.map((c) => c.channelId), ...(config?.vectorChannels ?? []).map((c) => c.channelId)];
  const known = new Set([...assetChannels, ...metas.map((m) => m.channelId)]);
  if (q.channelId !== undefined && !known.has(q.channelId)) {
    return { ok: false, code: 'not_found', message: `incident ${q.incidentId} on ${inc.assetId} has no channel ${q.channelId} (channels: ${[...known].join(', ') || 'none'})` };
  }
  const channelId = q.channelId ?? metas.find((m) => q.atMs >= m.startMs && q.atMs < endMsOf(m))?.channelId ?? metas[0]?.channelId ?? assetChannels[0];
  if (channelId === undefined) return { ok: false, code: 'not_found', message: `incident ${q.incidentId}: asset ${inc.assetId} is not stored, and no snapshot names a channel` };
  const base = { incidentId: inc.id, assetId: inc.assetId, atMs: q.atMs, channelId };
  const score = scoreAt(repo, { assetId: inc.assetId, configVersion: inc.configVersion }, channelId, q.atMs);
  const cover = coveringSnapshot(metas, channelId, q.atMs);
  const s = cover && repo.snapshots.get(cover.incidentId, cover.channelId, cover.trigger);
  if (!s) return { ok: true, value: { ...base, snapshot: null, outside: outsideText(metas, channelId, q.atMs), waveform: null, spectrum: null, score } };
  const engineWindowSamples = channels.find((c) => c.channelId === channelId)?.windowSize ?? null;
  const n = momentWindowSamples(engineWindowSamples, s.samples.length);
  const atIndex = Math.min(s.samples.length - 1, Math.max(0, sampleIndexAt(s, q.atMs)));
  const length = n > 0 ? n : Math.min(s.samples.length, MAX_MOMENT_SAMPLES);
  const fromIndex = Math.min(s.samples.length - length, Math.max(0, atIndex - Math.floor(length / 2)));
  const window = s.samples.subarray(fromIndex, fromIndex + length);
  const waveform: MomentWaveform = {
    startMs: s.startMs + (fromIndex * 1000) / s.sampleRateHz,
    sampleRateHz: s.sampleRateHz,
    fromIndex,
    atIndex,
    engineWindowSamples,
    values: Array.from(window, (v) => (Number.isFinite(v) ? v : null)),
  };
  let spectrum: MomentSpectrum | null = null;
  if (n > 0) {
    await initDsp();
    spectrum = spectrumOf(window, s.sampleRateHz);
  }
  return { ok: true, value: { ...base, snapshot: snapshotMeta(s), outside: null, waveform, spectrum, score } };
}
