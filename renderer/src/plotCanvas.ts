import { HMI } from './theme';

/** Space around the plot area for tick labels and unit captions. */
const MARGIN = { left: 52, right: 10, top: 18, bottom: 22 } as const;
const FONT = '11px system-ui, sans-serif';

/** A canvas ready to draw on, with its plot area in canvas pixels. */
export interface Plot {
  ctx: CanvasRenderingContext2D;
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** One axis: its data range, its unit caption, and optionally how a value is written. */
export interface Axis {
  min: number;
  max: number;
  unit: string;
  label?: (v: number) => string;
}

/** Clears the canvas to the panel background and returns its plot area, or null when it cannot draw (no 2D context). */
export function beginPlot(canvas: HTMLCanvasElement | null, dimmed: boolean): Plot | null {
  const ctx = canvas?.getContext('2d');
  if (!canvas || !ctx) return null;
  const { width, height } = canvas;
  ctx.setLineDash([]);
  ctx.globalAlpha = 1;
  ctx.fillStyle = dimmed ? '#e2e2e2' : '#f6f6f6';
  ctx.fillRect(0, 0, width, height);
  ctx.font = FONT;
  return { ctx, width, height, left: MARGIN.left, right: width - MARGIN.right, top: MARGIN.top, bottom: height - MARGIN.bottom };
}

/** A linear map from [d0, d1] to [p0, p1] (a degenerate domain maps to the middle). */
export function scale(d0: number, d1: number, p0: number, p1: number): (v: number) => number {
  const span = d1 - d0;
  if (!(Math.abs(span) > 0) || !Number.isFinite(span)) return () => (p0 + p1) / 2;
  return (v) => p0 + ((v - d0) / span) * (p1 - p0);
}

/** A round upper bound ≥ v (1, 2, 2.5 or 5 × 10ⁿ), so axis labels read cleanly. */
export function niceCeil(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v * 0.999) return m * p;
  return 10 * p;
}

/** A number for an axis label: few digits, no trailing zeros. */
function tickText(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e3) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

/** Frame, y ticks at 0, ½ and full of [yMin, yMax], x labels at the ends and the middle, unit captions. */
export function drawAxes(p: Plot, x: Axis, y: Axis): void {
  const { ctx } = p;
  ctx.strokeStyle = HMI.border;
  ctx.lineWidth = 1;
  ctx.strokeRect(p.left + 0.5, p.top + 0.5, p.right - p.left, p.bottom - p.top);
  ctx.fillStyle = HMI.muted;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const ys = scale(y.min, y.max, p.bottom, p.top);
  for (const v of [y.min, (y.min + y.max) / 2, y.max]) {
    ctx.fillText(tickText(v), p.left - 4, ys(v));
    ctx.strokeStyle = '#dddddd';
    ctx.beginPath();
    ctx.moveTo(p.left + 1, Math.round(ys(v)) + 0.5);
    ctx.lineTo(p.right, Math.round(ys(v)) + 0.5);
    ctx.stroke();
  }
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  ctx.fillText(y.unit, 2, 2);
  const label = x.label ?? tickText;
  const xs = scale(x.min, x.max, p.left, p.right);
  ctx.textAlign = 'center';
  for (const v of [x.min, (x.min + x.max) / 2, x.max]) ctx.fillText(label(v), Math.min(p.right - 14, Math.max(p.left + 14, xs(v))), p.bottom + 5);
  ctx.textAlign = 'right';
  ctx.fillText(x.unit, p.right, 2);
}

/** A polyline through (xs[i], ys[i]); a null y breaks the line. Points are clipped to the plot area. */
export function drawLine(p: Plot, n: number, xAt: (i: number) => number, yAt: (i: number) => number | null, colour: string, width = 1): void {
  const { ctx } = p;
  ctx.save();
  ctx.beginPath();
  ctx.rect(p.left, p.top, p.right - p.left, p.bottom - p.top);
  ctx.clip();
  ctx.strokeStyle = colour;
  ctx.lineWidth = width;
  ctx.beginPath();
  let open = false;
  for (let i = 0; i < n; i++) {
    const y = yAt(i);
    if (y === null || !Number.isFinite(y)) {
      open = false;
      continue;
    }
    if (open) ctx.lineTo(xAt(i), y);
    else ctx.moveTo(xAt(i), y);
    open = true;
  }
  ctx.stroke();
  ctx.restore();
}

/** A horizontal reference line (a level) across the plot, dashed, with its label at the right end. */
export function drawLevel(p: Plot, y: number, colour: string, label: string): void {
  if (y < p.top || y > p.bottom) return;
  const { ctx } = p;
  ctx.strokeStyle = colour;
  ctx.setLineDash([5, 4]);
  ctx.beginPath();
  ctx.moveTo(p.left, Math.round(y) + 0.5);
  ctx.lineTo(p.right, Math.round(y) + 0.5);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = colour;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'bottom';
  ctx.fillText(label, p.right - 3, y - 1);
}
