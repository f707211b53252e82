import type React from 'react';
import { useEffect, useRef } from 'react';
import { HMI } from './theme';

const WIDTH = 150;
const HEIGHT = 36;

/**
 * A fleet row's score sparkline on a canvas: the recent scores in grey, the alarm boundary (score
 * 1.0) as a dashed alert-coloured line, the points at or above it in the alert colour. The fleet
 * redraws 32 of these on every status push; recharts took ~200 ms for that in Chromium and held the
 * page under 40 frames a second (`npm run bench`), a canvas takes well under a millisecond.
 */
export function ScoreSparkline({ scores, assetName }: { scores: readonly number[]; assetName: string }): React.JSX.Element {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, WIDTH, HEIGHT);
    let top = 1.25;
    for (const s of scores) if (s > top) top = s;
    const y = (v: number): number => HEIGHT - 2 - (Math.max(0, v) / top) * (HEIGHT - 4);
    const x = (i: number): number => (scores.length < 2 ? WIDTH / 2 : 1 + (i / (scores.length - 1)) * (WIDTH - 2));
    ctx.setLineDash([3, 3]);
    ctx.strokeStyle = HMI.alert;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(0, Math.round(y(1)) + 0.5);
    ctx.lineTo(WIDTH, Math.round(y(1)) + 0.5);
    ctx.stroke();
    ctx.setLineDash([]);
    const trace = (colour: string, width: number, keep: (i: number) => boolean): void => {
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.beginPath();
      let pen = false;
      for (let i = 0; i < scores.length; i++) {
        if (!keep(i)) {
          pen = false;
          continue;
        }
        if (pen) ctx.lineTo(x(i), y(scores[i]!));
        else ctx.moveTo(x(i), y(scores[i]!));
        pen = true;
      }
      ctx.stroke();
    };
    trace(HMI.muted, 1.5, () => true);
    // Where the score stays at or above the boundary, the trace takes the alert colour (colour means abnormal).
    trace(HMI.alert, 2, (i) => scores[i]! >= 1);
  }, [scores]);
  const latest = scores.length > 0 ? scores[scores.length - 1]! : null;
  const peak = scores.length > 0 ? Math.max(...scores) : null;
  const label = latest === null ? `${assetName}: no score yet` : `${assetName}: score over the last ${scores.length} updates, latest ${latest.toFixed(2)}, highest ${peak!.toFixed(2)}; alarm boundary 1.00`;
  return <canvas ref={ref} width={WIDTH} height={HEIGHT} role="img" aria-label={label} data-testid="fleet-sparkline" data-points={scores.length} style={{ display: 'block' }} />;
}
