import type React from 'react';
import { useEffect, useRef } from 'react';
import type { LiveMarker, LiveMarkerLabel, LiveSpectrum } from '../../engine/contract';
import { beginPlot, drawAxes, drawLine, niceCeil, scale } from './plotCanvas';
import { HMI } from './theme';

const WIDTH = 640;
const HEIGHT = 200;

/** The strongest value of a spectrum and where it is (what the chart's text alternative says). */
export function spectrumPeak(s: LiveSpectrum, maxHz = Infinity): { freqHz: number; amplitudeG: number } | null {
  let best = -1;
  for (let k = 0; k < s.amplitudeG.length && s.startHz + k * s.stepHz <= maxHz; k++) if (best < 0 || s.amplitudeG[k]! > s.amplitudeG[best]!) best = k;
  return best < 0 ? null : { freqHz: s.startHz + best * s.stepHz, amplitudeG: s.amplitudeG[best]! };
}

/**
 * An amplitude (or envelope) spectrum on a canvas with a labelled, dashed line at each marker
 * frequency (and, with `harmonics`, fainter unlabelled lines at its multiples: defect lines come
 * with harmonics). Markers are grey; only `highlight`, the marker of a diagnosed fault, has a colour.
 * The text alternative names the strongest line and the markers, so the chart reads without sight.
 */
export function SpectrumCanvas({
  spectrum,
  markers,
  title,
  testId,
  maxHz,
  harmonics = 1,
  highlight = null,
  dimmed = false,
  drawnKey,
}: {
  spectrum: LiveSpectrum;
  markers: readonly LiveMarker[];
  title: string;
  testId: string;
  /** Upper end of the frequency axis (default: the whole spectrum). */
  maxHz?: number;
  harmonics?: number;
  highlight?: LiveMarkerLabel | null;
  dimmed?: boolean;
  /** What was drawn (the window's time): set on the figure after each draw, so a test sees the chart follow the data. */
  drawnKey: number;
}): React.JSX.Element {
  const ref = useRef<HTMLCanvasElement>(null);
  const figure = useRef<HTMLElement>(null);
  const lastHz = spectrum.startHz + (spectrum.amplitudeG.length - 1) * spectrum.stepHz;
  const topHz = Math.min(maxHz ?? lastHz, lastHz);
  const peak = spectrumPeak(spectrum, topHz);

  useEffect(() => {
    const p = beginPlot(ref.current, dimmed);
    if (!p) return;
    const n = Math.max(0, Math.min(spectrum.amplitudeG.length, Math.floor((topHz - spectrum.startHz) / spectrum.stepHz) + 1));
    let top = 0;
    for (let k = 0; k < n; k++) top = Math.max(top, spectrum.amplitudeG[k]!);
    const yMax = niceCeil(top * 1.1);
    drawAxes(p, { min: 0, max: topHz, unit: 'Hz' }, { min: 0, max: yMax, unit: 'g' });
    const xs = scale(0, topHz, p.left, p.right);
    const ys = scale(0, yMax, p.bottom, p.top);
    const { ctx } = p;
    // Label rows by frequency order, so neighbouring markers never share a row.
    const rank = new Map([...markers].sort((a, b) => a.freqHz - b.freqHz).map((m, i) => [m.label, i]));
    markers.forEach((m) => {
      const row = rank.get(m.label) ?? 0;
      const colour = m.label === highlight ? HMI.alert : HMI.muted;
      for (let h = 1; h <= harmonics; h++) {
        const x = xs(m.freqHz * h);
        if (x < p.left || x > p.right) continue;
        ctx.globalAlpha = h === 1 ? 1 : 0.45;
        ctx.strokeStyle = colour;
        ctx.lineWidth = m.label === highlight ? 2 : 1;
        ctx.setLineDash([4, 3]);
        ctx.beginPath();
        ctx.moveTo(Math.round(x) + 0.5, p.top);
        ctx.lineTo(Math.round(x) + 0.5, p.bottom);
        ctx.stroke();
        ctx.setLineDash([]);
        if (h > 1) continue;
        ctx.fillStyle = colour;
        ctx.textAlign = 'left';
        ctx.textBaseline = 'top';
        ctx.fillText(m.label, x + 2, p.top + 2 + (row % 4) * 12);
      }
      ctx.globalAlpha = 1;
      ctx.lineWidth = 1;
    });
    drawLine(p, n, (k) => xs(spectrum.startHz + k * spectrum.stepHz), (k) => ys(spectrum.amplitudeG[k]!), HMI.text);
    figure.current?.setAttribute('data-drawn', String(drawnKey));
  }, [spectrum, markers, topHz, harmonics, highlight, dimmed, drawnKey]);

  const markerText = markers.map((m) => `${m.label} ${m.freqHz.toFixed(1)} Hz`).join(', ');
  const label = `${title}, 0 to ${Math.round(topHz)} Hz${peak ? `: strongest line ${peak.freqHz.toFixed(1)} Hz at ${peak.amplitudeG.toPrecision(3)} g` : ''}; markers ${markerText}`;
  return (
    <figure ref={figure} style={{ margin: 0 }} data-testid={testId} data-peak-hz={peak ? peak.freqHz.toFixed(2) : ''} data-points={spectrum.amplitudeG.length}>
      <figcaption style={{ fontSize: 13, fontWeight: 600 }}>{title}</figcaption>
      <canvas ref={ref} width={WIDTH} height={HEIGHT} role="img" aria-label={label} style={{ width: '100%', maxWidth: WIDTH, border: `1px solid ${HMI.border}` }} />
      <div style={{ fontSize: 12, color: HMI.muted }}>
        {peak ? `strongest ${peak.freqHz.toFixed(1)} Hz · ${peak.amplitudeG.toPrecision(3)} g · ` : ''}
        {spectrum.stepHz.toPrecision(3)} Hz per point{harmonics > 1 ? ` · faint lines: harmonics 2× to ${harmonics}× of each marker` : ''}
      </div>
    </figure>
  );
}
