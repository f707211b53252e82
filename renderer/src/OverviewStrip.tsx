import type React from 'react';
import { useEffect, useRef } from 'react';
import type { SnapshotSeries } from '../../engine/contract';
import { beginPlot, drawLevel, drawLine, niceCeil, scale, type Plot } from './plotCanvas';
import { clockTimeMs, type Marker, type SnapshotSpan } from './reviewModel';
import { HMI } from './theme';

const WIDTH = 900;
const HEIGHT = 210;
/** Height of the waveform band; the score band takes the rest of the plot area. */
const WAVE_BAND = 110;
const BAND_GAP = 12;

const MARKER_COLOUR: Record<Marker['kind'], string> = { alert: HMI.alert, danger: HMI.danger, trip: HMI.danger };

/** Points to ask for a snapshot that takes `fraction` of the strip: two per pixel column, at most 2000. */
export function pointsFor(fraction: number): number {
  return Math.max(2, Math.min(2000, 2 * Math.ceil(fraction * (WIDTH - 62))));
}

/**
 * The whole stretch under review on one time axis: each snapshot's waveform (min/max-decimated by
 * the host, so peaks show) with its pre-trigger part shaded, "no waveform" where none was
 * recorded, the stored 1-second score against its alert and danger levels beneath, the first
 * alert, danger and trip marked, and the cursor. A click moves the cursor there.
 */
export function OverviewStrip({
  range,
  spans,
  series,
  markers,
  atMs,
  onPick,
}: {
  range: { fromMs: number; toMs: number };
  spans: readonly SnapshotSpan[];
  series: readonly SnapshotSeries[] | null;
  markers: readonly Marker[];
  atMs: number;
  onPick: (atMs: number) => void;
}): React.JSX.Element {
  const ref = useRef<HTMLCanvasElement>(null);
  const points = series?.reduce((n, s) => n + s.points.value.length, 0) ?? 0;

  useEffect(() => {
    const p = beginPlot(ref.current, false);
    if (!p) return;
    const xs = scale(range.fromMs, range.toMs, p.left, p.right);
    const waveBottom = p.top + WAVE_BAND;
    drawWaveBand(p, xs, waveBottom, spans, series);
    drawScoreBand(p, xs, waveBottom + BAND_GAP, series);
    const { ctx } = p;
    ctx.textBaseline = 'top';
    // Markers on the same pixel column (danger and trip often are) share one rule and one label.
    const columns = new Map<number, Marker[]>();
    for (const m of markers) columns.set(Math.round(xs(m.atMs)), [...(columns.get(Math.round(xs(m.atMs))) ?? []), m]);
    let labelEnd = -Infinity;
    for (const [column, group] of columns) {
      const x = column + 0.5;
      const colour = MARKER_COLOUR[group.at(-1)!.kind];
      ctx.strokeStyle = colour;
      ctx.setLineDash([3, 3]);
      ctx.beginPath();
      ctx.moveTo(x, p.top);
      ctx.lineTo(x, p.bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      const text = group.map((m) => m.label.toLowerCase()).join(' · ');
      const w = ctx.measureText(text).width;
      const right = x + 3 + w > p.right;
      const start = right ? x - 3 - w : x + 3;
      ctx.fillStyle = colour;
      ctx.textAlign = 'left';
      // A label that would run into the previous one goes on the plot's first line instead.
      ctx.fillText(text, start, start < labelEnd ? p.top + 2 : 2);
      labelEnd = Math.max(labelEnd, start + w + 4);
    }
    ctx.fillStyle = HMI.muted;
    ctx.textAlign = 'left';
    ctx.fillText(clockTimeMs(range.fromMs), p.left, p.bottom + 5);
    ctx.textAlign = 'right';
    ctx.fillText(clockTimeMs(range.toMs), p.right, p.bottom + 5);
    const x = Math.round(xs(atMs)) + 0.5;
    ctx.strokeStyle = HMI.notice;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x, p.top);
    ctx.lineTo(x, p.bottom);
    ctx.stroke();
    ctx.lineWidth = 1;
    ctx.textAlign = 'left';
  }, [range, spans, series, markers, atMs]);

  const onClick = (e: React.MouseEvent<HTMLCanvasElement>): void => {
    const rect = e.currentTarget.getBoundingClientRect();
    const x = ((e.clientX - rect.left) * WIDTH) / Math.max(1, rect.width);
    const plotLeft = 52;
    const plotRight = WIDTH - 10;
    const t = scale(plotLeft, plotRight, range.fromMs, range.toMs)(Math.min(plotRight, Math.max(plotLeft, x)));
    onPick(t);
  };

  const label = `Overview from ${clockTimeMs(range.fromMs)} to ${clockTimeMs(range.toMs)}: ${spans.length} waveform snapshot${spans.length === 1 ? '' : 's'} (${spans.map((s) => (s.trigger === 'trip' ? 'trip' : 'first alert')).join(', ')}), the stored score, markers ${markers.map((m) => `${m.label} ${clockTimeMs(m.atMs)}`).join(', ')}; cursor at ${clockTimeMs(atMs)}`;
  return (
    <figure style={{ margin: 0 }} data-testid="waveform" data-points={points} data-cursor-ms={atMs}>
      <canvas ref={ref} width={WIDTH} height={HEIGHT} role="img" aria-label={label} onClick={onClick} style={{ width: '100%', maxWidth: WIDTH, border: `1px solid ${HMI.border}`, cursor: 'crosshair' }} />
    </figure>
  );
}

/** Each snapshot's trace on a shared amplitude scale; gaps between snapshots say that nothing was recorded. */
function drawWaveBand(p: Plot, xs: (t: number) => number, bottom: number, spans: readonly SnapshotSpan[], series: readonly SnapshotSeries[] | null): void {
  const { ctx } = p;
  ctx.fillStyle = '#e9e9e9';
  ctx.fillRect(p.left, p.top, p.right - p.left, bottom - p.top);
  ctx.fillStyle = HMI.muted;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  const gapText = 'no waveform recorded';
  for (const s of spans) {
    ctx.fillStyle = '#f6f6f6';
    ctx.fillRect(xs(s.startMs), p.top, Math.max(1, xs(s.endMs) - xs(s.startMs)), bottom - p.top);
    ctx.fillStyle = '#e0e0e0';
    ctx.fillRect(xs(s.startMs), p.top, Math.max(0, xs(s.triggerMs) - xs(s.startMs)), bottom - p.top);
  }
  ctx.fillStyle = HMI.muted;
  // Say so wherever nothing was recorded and there is room for the words.
  const edges = [p.left, ...spans.flatMap((s) => [xs(s.startMs), xs(s.endMs)]), p.right];
  let coveredTo = p.left;
  for (let i = 1; i < edges.length - 1; i += 2) {
    if (edges[i]! - coveredTo > ctx.measureText(gapText).width + 12) ctx.fillText(gapText, (coveredTo + edges[i]!) / 2, (p.top + bottom) / 2);
    coveredTo = Math.max(coveredTo, edges[i + 1]!);
  }
  if (p.right - coveredTo > ctx.measureText(gapText).width + 12) ctx.fillText(gapText, (coveredTo + p.right) / 2, (p.top + bottom) / 2);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillText('g', 2, p.top);
  if (!series || series.length === 0) return;
  let peak = 0;
  for (const s of series) peak = Math.max(peak, Math.abs(s.min ?? 0), Math.abs(s.max ?? 0));
  const yMax = niceCeil(peak * 1.05);
  const ys = scale(-yMax, yMax, bottom - 2, p.top + 2);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  ctx.fillText(`±${yMax}`, p.left - 4, p.top + 8);
  for (const s of series) drawLine({ ...p, bottom }, s.points.value.length, (i) => xs(s.points.timeMs[i]!), (i) => ys(s.points.value[i]!), HMI.text);
  ctx.textAlign = 'left';
}

/** The stored 1-second score of the snapshots' seconds, grey below alert, with the alert and danger levels. */
function drawScoreBand(p: Plot, xs: (t: number) => number, top: number, series: readonly SnapshotSeries[] | null): void {
  const { ctx } = p;
  const band: Plot = { ...p, top };
  ctx.strokeStyle = HMI.border;
  ctx.strokeRect(p.left + 0.5, top + 0.5, p.right - p.left, p.bottom - top);
  ctx.fillStyle = HMI.muted;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillText('score', 2, top);
  if (!series || series.length === 0) return;
  const levels = series.find((s) => s.score.levels)?.score.levels ?? null;
  let peak = levels?.danger ?? 1;
  for (const s of series) for (const v of s.score.values) if (v !== null) peak = Math.max(peak, v);
  const yMax = niceCeil(peak * 1.1);
  const ys = scale(0, yMax, p.bottom - 1, top + 2);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  ctx.fillText(String(yMax), p.left - 4, top + 8);
  if (levels) {
    drawLevel(band, ys(levels.alert), HMI.alert, `alert ${levels.alert}`);
    drawLevel(band, ys(levels.danger), HMI.danger, `danger ${levels.danger}`);
  }
  for (const s of series) {
    const { values, startMs, periodMs } = s.score;
    // A step per stored second: two points per value, at the second's start and end.
    drawLine(band, values.length * 2, (i) => xs(startMs + (Math.floor(i / 2) + (i % 2)) * periodMs), (i) => (values[Math.floor(i / 2)] == null ? null : ys(values[Math.floor(i / 2)]!)), HMI.muted, 1.5);
  }
  ctx.textAlign = 'left';
}
