import { MAX_SERIES_POINTS, type SnapshotMeta, type SnapshotSeries } from '../contract/incidents';
import { decimateMinMax } from '../service/liveSeries';
import type { Repository } from '../store/Repository';
import { scoreTrack } from './incidentScore';
import type { SnapshotTrigger, WaveformSnapshot } from './WaveformRecorder';

/** A refusal incident review decides itself, with the code the console's client sees. */
export type Reviewed<T> = { ok: true; value: T } | { ok: false; code: 'not_found' | 'bad_request'; message: string };

/** What `incidents.snapshot` asks for. */
export interface SnapshotQuery {
  incidentId: string;
  channelId: string;
  trigger: SnapshotTrigger;
  fromMs?: number | undefined;
  toMs?: number | undefined;
  maxPoints?: number | undefined;
}

/** A snapshot's identity and extent, without its samples. */
export function snapshotMeta(s: WaveformSnapshot): SnapshotMeta {
  return {
    incidentId: s.incidentId,
    assetId: s.assetId,
    channelId: s.channelId,
    trigger: s.trigger,
    triggerMs: s.triggerMs,
    startMs: s.startMs,
    endMs: s.startMs + (s.samples.length * 1000) / s.sampleRateHz,
    sampleRateHz: s.sampleRateHz,
    shaftHz: s.shaftHz,
    preSamples: s.preSamples,
    sampleCount: s.samples.length,
    complete: s.complete,
  };
}

/**
 * The snapshot index of the first sample at or after `atMs`, as the recorder places a trigger (a
 * hundredth of a period of slack for epoch-millisecond rounding), so the trigger time maps to the
 * trigger sample. Not clamped.
 */
export function sampleIndexAt(s: Pick<WaveformSnapshot, 'startMs' | 'sampleRateHz'>, atMs: number): number {
  return Math.ceil(((atMs - s.startMs) * s.sampleRateHz) / 1000 - 0.01);
}

/** What a min/max decimation of a range keeps: the indices in order, the range's extremes, what it skipped. */
export interface Decimation {
  index: number[];
  min: number | null;
  max: number | null;
  nonFinite: number;
  decimated: boolean;
}

/**
 * Min/max decimation of samples[from, to) to at most `maxPoints` indices (`decimateMinMax` of the
 * live view: every finite sample when they fit, else per column its smallest and largest in the
 * order they occur). Every column keeps its extremes, so the min and max of the kept points are
 * those of the range, exactly. Pure; non-finite samples are skipped and counted.
 */
export function decimateRange(samples: Float32Array, from: number, to: number, maxPoints: number): Decimation {
  const d = decimateMinMax(samples.subarray(from, Math.max(from, to)), maxPoints);
  let nonFinite = 0;
  for (let i = from; i < to; i++) if (!Number.isFinite(samples[i]!)) nonFinite++;
  let min = Infinity;
  let max = -Infinity;
  for (const v of d.value) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const index = d.index.map((i) => i + from);
  return { index, min: index.length > 0 ? min : null, max: index.length > 0 ? max : null, nonFinite, decimated: to - from > maxPoints };
}

/**
 * One loaded snapshot over [fromMs, toMs) (clamped to it; the whole snapshot by default) as a
 * decimated series with the time of each point and the channel's stored score over the range.
 * Refuses (bad_request) a range that ends before it starts.
 */
export function seriesOf(repo: Repository, s: WaveformSnapshot, q: Pick<SnapshotQuery, 'fromMs' | 'toMs' | 'maxPoints'>, configVersion: string | null): Reviewed<SnapshotSeries> {
  const meta = snapshotMeta(s);
  const fromMs = q.fromMs ?? meta.startMs;
  const toMs = q.toMs ?? meta.endMs;
  if (!(toMs >= fromMs)) return { ok: false, code: 'bad_request', message: `toMs ${toMs} is before fromMs ${fromMs}` };
  const clamp = (i: number): number => Math.min(s.samples.length, Math.max(0, i));
  const fromIndex = clamp(sampleIndexAt(s, fromMs));
  const toIndex = Math.max(fromIndex, clamp(sampleIndexAt(s, toMs)));
  const d = decimateRange(s.samples, fromIndex, toIndex, q.maxPoints ?? MAX_SERIES_POINTS);
  const periodMs = 1000 / s.sampleRateHz;
  const timeOf = (i: number): number => s.startMs + i * periodMs;
  const range = { fromMs: timeOf(fromIndex), toMs: timeOf(toIndex), fromIndex, toIndex };
  return {
    ok: true,
    value: {
      ...meta,
      range,
      decimated: d.decimated,
      points: { index: d.index, timeMs: d.index.map(timeOf), value: d.index.map((i) => s.samples[i]!) },
      min: d.min,
      max: d.max,
      nonFiniteSamples: d.nonFinite,
      score: scoreTrack(repo, { assetId: s.assetId, configVersion }, s.channelId, range.fromMs, range.toMs),
    },
  };
}

/** `incidents.snapshot`: not_found for an unknown incident or a snapshot it does not have. */
export function snapshotSeries(repo: Repository, q: SnapshotQuery): Reviewed<SnapshotSeries> {
  const inc = repo.getIncident(q.incidentId);
  if (!inc) return { ok: false, code: 'not_found', message: `unknown incident ${q.incidentId}` };
  const s = repo.snapshots.get(q.incidentId, q.channelId, q.trigger);
  if (!s) {
    const have = repo.snapshots.metaForIncident(q.incidentId).map((m) => `${m.channelId}/${m.trigger}`);
    return { ok: false, code: 'not_found', message: `incident ${q.incidentId} has no ${q.trigger} snapshot of ${q.channelId} (it has ${have.length > 0 ? have.join(', ') : 'none'})` };
  }
  return seriesOf(repo, s, q, inc.configVersion);
}
