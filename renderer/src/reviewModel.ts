import { z } from 'zod';

/**
 * What the incident review page derives from a timeline, without drawing anything: the moments a
 * reviewer jumps to (first alert, danger, trip), each snapshot's span, the stretch the scrubber
 * covers, and where a key press moves the cursor. Pure functions, so they are tested without a DOM.
 */

/** A moment a reviewer jumps to. */
export interface Marker {
  kind: 'alert' | 'danger' | 'trip';
  atMs: number;
  label: string;
}

/** A timeline entry as the review reads it (the page's schema keeps unknown fields). */
interface EntryLike {
  atMs: number;
  kind: string;
  [key: string]: unknown;
}

const LevelDetailSchema = z.looseObject({ to: z.enum(['normal', 'alert', 'danger']) });

/** First alert, first danger and the first trip decision, in time order; each at most once. */
export function incidentMarkers(entries: readonly EntryLike[]): Marker[] {
  const level = (e: EntryLike): string | null => {
    const d = LevelDetailSchema.safeParse(e['detail']);
    return e.kind === 'level_changed' && d.success ? d.data.to : null;
  };
  const firstAlert = entries.find((e) => level(e) === 'alert' || level(e) === 'danger');
  const danger = entries.find((e) => level(e) === 'danger');
  const trip = entries.find((e) => e.kind === 'trip_decided');
  const out: Marker[] = [];
  if (firstAlert) out.push({ kind: 'alert', atMs: firstAlert.atMs, label: 'First alert' });
  if (danger) out.push({ kind: 'danger', atMs: danger.atMs, label: 'Danger' });
  if (trip) out.push({ kind: 'trip', atMs: trip.atMs, label: 'Trip' });
  return out.sort((a, b) => a.atMs - b.atMs);
}

/** A snapshot as the timeline lists it (samples left out by the host). */
export interface SnapshotLike {
  channelId: string;
  trigger: string;
  triggerMs: number;
  startMs: number;
  sampleRateHz: number;
  preSamples: number;
  complete: boolean;
  sampleCount?: number | undefined;
  samples?: ArrayLike<number> | undefined;
}

/** One snapshot's place in time. */
export interface SnapshotSpan {
  channelId: string;
  trigger: 'alert' | 'trip';
  triggerMs: number;
  startMs: number;
  endMs: number;
  sampleRateHz: number;
  sampleCount: number;
  complete: boolean;
}

/** The snapshots with a known trigger, with their end time, by start. */
export function snapshotSpans(snapshots: readonly SnapshotLike[]): SnapshotSpan[] {
  const out: SnapshotSpan[] = [];
  for (const s of snapshots) {
    if (s.trigger !== 'alert' && s.trigger !== 'trip') continue;
    const sampleCount = s.sampleCount ?? s.samples?.length ?? 0;
    out.push({ channelId: s.channelId, trigger: s.trigger, triggerMs: s.triggerMs, startMs: s.startMs, endMs: s.startMs + (sampleCount * 1000) / s.sampleRateHz, sampleRateHz: s.sampleRateHz, sampleCount, complete: s.complete });
  }
  return out.sort((a, b) => a.startMs - b.startMs);
}

/** Margin around the markers when no snapshot gives the scrubber its extent. */
const BARE_MARGIN_MS = 5000;

/**
 * What the scrubber spans: from the first sample of any snapshot to the last (End lands on a
 * sample, not just past it), and every marker; without snapshots, the markers ± 5 s.
 */
export function scrubRange(spans: readonly SnapshotSpan[], markers: readonly Marker[], openedMs: number): { fromMs: number; toMs: number } {
  const times = markers.map((m) => m.atMs);
  if (spans.length === 0) {
    const all = times.length > 0 ? times : [openedMs];
    return { fromMs: Math.min(...all) - BARE_MARGIN_MS, toMs: Math.max(...all) + BARE_MARGIN_MS };
  }
  const lastSampleMs = (s: SnapshotSpan): number => Math.max(s.startMs, s.endMs - 1000 / s.sampleRateHz);
  return { fromMs: Math.min(...spans.map((s) => s.startMs), ...times), toMs: Math.max(...spans.map(lastSampleMs), ...times) };
}

/** Windows one PageUp/PageDown moves. */
export const PAGE_WINDOWS = 10;

/**
 * Where a key moves the cursor: arrows one window (right and up later), PageUp/PageDown ten,
 * Home and End to the ends; null for any other key. Always within the range.
 */
export function keyStep(key: string, atMs: number, stepMs: number, range: { fromMs: number; toMs: number }): number | null {
  const clamp = (t: number): number => Math.min(range.toMs, Math.max(range.fromMs, t));
  switch (key) {
    case 'ArrowRight':
    case 'ArrowUp':
      return clamp(atMs + stepMs);
    case 'ArrowLeft':
    case 'ArrowDown':
      return clamp(atMs - stepMs);
    case 'PageUp':
      return clamp(atMs + PAGE_WINDOWS * stepMs);
    case 'PageDown':
      return clamp(atMs - PAGE_WINDOWS * stepMs);
    case 'Home':
      return range.fromMs;
    case 'End':
      return range.toMs;
    default:
      return null;
  }
}

/** Wall-clock time with milliseconds, as a reviewer lines moments up: 14:03:07.250. */
export function clockTimeMs(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** A signed offset from a marker: "trip +0.120 s", "first alert −2.500 s". */
export function relativeTo(atMs: number, markers: readonly Marker[]): string {
  if (markers.length === 0) return '';
  // On a tie the later marker names the moment: a trip decided with the danger level reads as the trip.
  const nearest = markers.reduce((best, m) => (Math.abs(m.atMs - atMs) <= Math.abs(best.atMs - atMs) ? m : best));
  const d = (atMs - nearest.atMs) / 1000;
  return `${nearest.label.toLowerCase()} ${d < 0 ? '−' : '+'}${Math.abs(d).toFixed(3)} s`;
}
