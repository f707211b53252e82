import type React from 'react';
import { useEffect, useMemo, useRef } from 'react';
import type { Snapshot } from './shapes';
import { decimateMinMax } from './waveform';
import { HMI, clockTime } from './theme';

const WIDTH = 900;
const HEIGHT = 160;

/**
 * One raw waveform snapshot on a canvas: min/max-decimated to ≤ 2000 points, the part before the
 * trigger shaded, the trigger marked. A canvas draws in one pass and holds no DOM per point, so a
 * long snapshot never blocks the page.
 */
export function WaveformCanvas({ snapshot }: { snapshot: Snapshot & { samples: Float32Array } }): React.JSX.Element {
  const ref = useRef<HTMLCanvasElement>(null);
  const trace = useMemo(() => decimateMinMax(snapshot.samples), [snapshot]);
  const n = snapshot.samples.length;
  const what = snapshot.trigger === 'trip' ? 'trip' : 'first alert';
  const label = `${snapshot.channelId}, ${what} at ${clockTime(snapshot.triggerMs)}: ${n} samples at ${snapshot.sampleRateHz} Hz, ${(snapshot.preSamples / snapshot.sampleRateHz).toFixed(2)} s before the trigger${snapshot.complete ? '' : ' (cut short)'}`;

  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, WIDTH, HEIGHT);
    ctx.fillStyle = '#f6f6f6';
    ctx.fillRect(0, 0, WIDTH, HEIGHT);
    if (n === 0 || trace.value.length === 0) return;
    const triggerX = (snapshot.preSamples / n) * WIDTH;
    ctx.fillStyle = '#e4e4e4';
    ctx.fillRect(0, 0, triggerX, HEIGHT);
    const span = trace.max - trace.min || 1;
    const y = (v: number): number => HEIGHT - 4 - ((v - trace.min) / span) * (HEIGHT - 8);
    ctx.strokeStyle = HMI.text;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let i = 0; i < trace.value.length; i++) {
      const x = (trace.index[i]! / n) * WIDTH;
      if (i === 0) ctx.moveTo(x, y(trace.value[i]!));
      else ctx.lineTo(x, y(trace.value[i]!));
    }
    ctx.stroke();
    ctx.strokeStyle = HMI.danger;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(triggerX, 0);
    ctx.lineTo(triggerX, HEIGHT);
    ctx.stroke();
    ctx.setLineDash([]);
  }, [trace, n, snapshot.preSamples]);

  return (
    <figure style={{ margin: 0 }} data-testid="waveform" data-points={trace.value.length} data-samples={n}>
      <canvas ref={ref} width={WIDTH} height={HEIGHT} role="img" aria-label={label} style={{ width: '100%', maxWidth: WIDTH, border: `1px solid ${HMI.border}` }} />
      <figcaption style={{ fontSize: 13, color: HMI.muted }}>
        {label}; range {Number.isFinite(trace.min) ? `${trace.min.toPrecision(3)} … ${trace.max.toPrecision(3)}` : '—'}
      </figcaption>
    </figure>
  );
}
