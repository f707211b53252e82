import type React from 'react';
import { useEffect, useRef } from 'react';
import type { LiveWaveform } from '../../engine/contract';
import { beginPlot, drawAxes, drawLine, niceCeil, scale } from './plotCanvas';
import { HMI } from './theme';

const WIDTH = 640;
const HEIGHT = 170;

/**
 * The latest analysis window's waveform as the host sent it (min/max pairs at their sample
 * indices, so impacts show), on a canvas with a symmetric g axis and a time axis in ms.
 */
export function LiveWaveformCanvas({ waveform, dimmed = false }: { waveform: LiveWaveform; dimmed?: boolean }): React.JSX.Element {
  const ref = useRef<HTMLCanvasElement>(null);
  const figure = useRef<HTMLElement>(null);
  let peak = 0;
  for (const v of waveform.valueG) peak = Math.max(peak, Math.abs(v));
  const spanMs = (waveform.sampleCount * 1000) / waveform.sampleRateHz;

  useEffect(() => {
    const p = beginPlot(ref.current, dimmed);
    if (!p) return;
    const yMax = niceCeil(peak * 1.05);
    drawAxes(p, { min: 0, max: spanMs, unit: 'ms' }, { min: -yMax, max: yMax, unit: 'g' });
    const xs = scale(0, Math.max(1, waveform.sampleCount - 1), p.left, p.right);
    const ys = scale(-yMax, yMax, p.bottom, p.top);
    drawLine(p, waveform.index.length, (i) => xs(waveform.index[i]!), (i) => ys(waveform.valueG[i]!), HMI.text);
    figure.current?.setAttribute('data-drawn', String(waveform.endMs));
  }, [waveform, peak, spanMs, dimmed]);

  const label = `Waveform of the latest window: ${waveform.sampleCount} samples at ${waveform.sampleRateHz} Hz (${spanMs.toFixed(0)} ms), peak ${peak.toPrecision(3)} g, drawn from ${waveform.index.length} points`;
  return (
    <figure ref={figure} style={{ margin: 0 }} data-testid="asset-waveform" data-points={waveform.index.length}>
      <figcaption style={{ fontSize: 13, fontWeight: 600 }}>Waveform (latest window)</figcaption>
      <canvas ref={ref} width={WIDTH} height={HEIGHT} role="img" aria-label={label} style={{ width: '100%', maxWidth: WIDTH, border: `1px solid ${HMI.border}` }} />
      <div style={{ fontSize: 12, color: HMI.muted }}>
        {waveform.sampleCount} samples · {spanMs.toFixed(0)} ms · peak {peak.toPrecision(3)} g
      </div>
    </figure>
  );
}
