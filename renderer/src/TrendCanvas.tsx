import type React from 'react';
import { useEffect, useRef } from 'react';
import { beginPlot, drawAxes, drawLevel, drawLine, niceCeil, scale } from './plotCanvas';
import { HMI } from './theme';

const WIDTH = 640;
const HEIGHT = 140;

/** An alert/danger pair drawn as reference lines. */
export interface TrendLevel {
  groupId: string;
  alert: number;
  danger: number;
}

/** Seconds before the newest point, as an axis label ('−4:30', 'now'). */
function agoText(sec: number): string {
  if (sec >= -0.5) return 'now';
  const s = Math.round(-sec);
  return `−${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * A trend of the recent minutes against its alert and danger levels. The trace is grey while below
 * alert and takes the alert or danger colour only where it is above them (colour means abnormal);
 * the levels are dashed lines in their colours. Gaps (no value: commissioning, unscored) stay gaps.
 */
export function TrendCanvas({
  tMs,
  values,
  levels,
  title,
  unit,
  testId,
  dimmed = false,
}: {
  tMs: readonly number[];
  values: ReadonlyArray<number | null>;
  levels: readonly TrendLevel[];
  title: string;
  unit: string;
  testId: string;
  dimmed?: boolean;
}): React.JSX.Element {
  const ref = useRef<HTMLCanvasElement>(null);
  const n = Math.min(tMs.length, values.length);
  const latest = [...values].reverse().find((v) => v !== null) ?? null;
  const alert = levels.length > 0 ? Math.min(...levels.map((l) => l.alert)) : null;
  const danger = levels.length > 0 ? Math.min(...levels.map((l) => l.danger)) : null;

  useEffect(() => {
    const p = beginPlot(ref.current, dimmed);
    if (!p) return;
    let top = 0;
    for (let i = 0; i < n; i++) if (values[i] !== null) top = Math.max(top, values[i]!);
    for (const l of levels) top = Math.max(top, l.danger);
    const yMax = niceCeil(top * 1.1);
    const t1 = n > 0 ? tMs[n - 1]! : 0;
    const t0 = n > 0 ? Math.min(tMs[0]!, t1 - 60_000) : -60_000;
    drawAxes(p, { min: (t0 - t1) / 1000, max: 0, unit: 'min:s', label: agoText }, { min: 0, max: yMax, unit });
    const xs = scale(t0, t1, p.left, p.right);
    const ys = scale(0, yMax, p.bottom, p.top);
    for (const l of levels) {
      drawLevel(p, ys(l.alert), HMI.alert, `${l.groupId} alert ${l.alert}`);
      drawLevel(p, ys(l.danger), HMI.danger, `${l.groupId} danger ${l.danger}`);
    }
    const x = (i: number): number => xs(tMs[i]!);
    drawLine(p, n, x, (i) => (values[i] === null ? null : ys(values[i]!)), HMI.muted, 1.5);
    // Above a level: the same points again in its colour (a segment is coloured by its later point).
    if (alert !== null) drawLine(p, n, x, (i) => (values[i] !== null && values[i]! >= alert && (i === 0 || (values[i - 1] ?? -1) >= alert) ? ys(values[i]!) : null), HMI.alert, 2);
    if (danger !== null) drawLine(p, n, x, (i) => (values[i] !== null && values[i]! >= danger && (i === 0 || (values[i - 1] ?? -1) >= danger) ? ys(values[i]!) : null), HMI.danger, 2);
  }, [tMs, values, levels, n, alert, danger, unit, dimmed]);

  const state = latest === null ? 'no value yet' : danger !== null && latest >= danger ? 'at or above danger' : alert !== null && latest >= alert ? 'at or above alert' : 'below alert';
  const label = `${title} over the last ${n > 1 ? Math.round((tMs[n - 1]! - tMs[0]!) / 1000) : 0} s: latest ${latest === null ? '—' : latest.toPrecision(3)} ${unit}, ${state}${alert !== null ? `; alert ${alert}, danger ${danger}` : '; no levels on this channel'}`;
  const abnormal = state === 'at or above alert' || state === 'at or above danger';
  return (
    <figure style={{ margin: 0 }} data-testid={testId} data-points={n}>
      <figcaption style={{ fontSize: 13, fontWeight: 600 }}>
        {title}{' '}
        <span style={{ fontWeight: abnormal ? 700 : 400, color: abnormal ? (state === 'at or above danger' ? HMI.danger : HMI.alert) : HMI.muted }}>
          {latest === null ? '—' : latest.toPrecision(3)} {unit} · {state}
        </span>
      </figcaption>
      <canvas ref={ref} width={WIDTH} height={HEIGHT} role="img" aria-label={label} style={{ width: '100%', maxWidth: WIDTH, border: `1px solid ${HMI.border}` }} />
    </figure>
  );
}
