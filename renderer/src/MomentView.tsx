import type React from 'react';
import { useEffect, useMemo, useRef } from 'react';
import type { IncidentMoment, LiveMarker, LiveSpectrum, MomentScore, MomentWaveform } from '../../engine/contract';
import { beginPlot, drawAxes, drawLine, niceCeil, scale } from './plotCanvas';
import { clockTimeMs } from './reviewModel';
import { SpectrumCanvas } from './SpectrumCanvas';
import { HMI, errorStyle } from './theme';

const WIDTH = 900;
const HEIGHT = 170;

const LEVEL_COLOUR: Record<MomentScore['level'], string> = { normal: HMI.text, alert: HMI.alert, danger: HMI.danger };
const LEVEL_FILL: Record<MomentScore['level'], string> = { normal: '#d9d9d9', alert: HMI.alertFill, danger: HMI.dangerFill };

/**
 * What the machine did at the cursor: the raw window around it (the moment's sample marked), that
 * window's spectrum, and the score against its alert and danger levels with the alarm level then.
 * Shows the last answer while a newer one is on its way (`busy`), so dragging never blanks it.
 */
export function MomentView({ moment, error, busy, stats }: { moment: IncidentMoment | null; error: string | null; busy: boolean; stats: { asked: number; sent: number } }): React.JSX.Element {
  return (
    <div
      data-testid="moment"
      data-at-ms={moment?.atMs ?? ''}
      data-in-snapshot={moment ? String(moment.waveform !== null) : ''}
      data-busy={String(busy)}
      data-requests-asked={stats.asked}
      data-requests-sent={stats.sent}
      aria-live="polite"
      aria-busy={busy}
    >
      <h3 style={{ fontSize: 15, margin: '8px 0 4px' }}>
        {moment ? `At ${clockTimeMs(moment.atMs)} — ${moment.channelId}` : 'Moment'}
        <span style={{ fontWeight: 400, color: HMI.muted, fontSize: 13 }}>{busy ? ' · updating…' : ''}</span>
      </h3>
      {error ? (
        <p role="alert" style={errorStyle}>
          {error}
        </p>
      ) : null}
      {!moment ? <p style={{ color: HMI.muted }}>Loading…</p> : <MomentBody moment={moment} />}
    </div>
  );
}

function MomentBody({ moment }: { moment: IncidentMoment }): React.JSX.Element {
  const spectrum = useMemo<LiveSpectrum | null>(() => (moment.spectrum ? { startHz: 0, stepHz: moment.spectrum.binHz, binHz: moment.spectrum.binHz, amplitudeG: moment.spectrum.amplitude } : null), [moment.spectrum]);
  const shaftHz = moment.snapshot?.shaftHz ?? null;
  const markers = useMemo<LiveMarker[]>(() => (shaftHz !== null && shaftHz > 0 ? [{ label: '1x', freqHz: shaftHz }] : []), [shaftHz]);
  return (
    <>
      <ScoreReadout score={moment.score} />
      {moment.outside !== null ? (
        <p data-testid="moment-outside" style={{ fontSize: 13, background: '#e4e4e4', padding: '6px 8px', borderLeft: `4px solid ${HMI.border}` }}>
          No waveform here: {moment.outside}.
        </p>
      ) : null}
      {moment.waveform ? <MomentWaveformCanvas waveform={moment.waveform} atMs={moment.atMs} /> : null}
      {spectrum && moment.spectrum ? (
        <SpectrumCanvas spectrum={spectrum} markers={markers} title={`Spectrum of that window (${moment.spectrum.sizeSamples} samples, Hann, ${moment.spectrum.binHz.toPrecision(3)} Hz bins)`} testId="moment-spectrum" drawnKey={moment.atMs} />
      ) : null}
    </>
  );
}

/** An offset in ms with its sign, one decimal, and a plain 0 (never "-0.0"). */
function signedMs(v: number): string {
  const r = Math.round(v * 10) / 10;
  return r === 0 ? '0' : `${r > 0 ? '+' : '−'}${Math.abs(r).toFixed(1)}`;
}

/** The raw window on a canvas, the moment's sample marked; a null sample (not finite) breaks the line. */
function MomentWaveformCanvas({ waveform, atMs }: { waveform: MomentWaveform; atMs: number }): React.JSX.Element {
  const ref = useRef<HTMLCanvasElement>(null);
  const figure = useRef<HTMLElement>(null);
  const n = waveform.values.length;
  const spanMs = (n * 1000) / waveform.sampleRateHz;
  let peak = 0;
  for (const v of waveform.values) if (v !== null) peak = Math.max(peak, Math.abs(v));

  useEffect(() => {
    const p = beginPlot(ref.current, false);
    if (!p) return;
    const yMax = niceCeil(peak * 1.05);
    const offsetMs = (i: number): number => ((i + waveform.fromIndex - waveform.atIndex) * 1000) / waveform.sampleRateHz;
    drawAxes(p, { min: offsetMs(0), max: offsetMs(n - 1), unit: 'ms from the moment', label: signedMs }, { min: -yMax, max: yMax, unit: 'g' });
    const xs = scale(0, Math.max(1, n - 1), p.left, p.right);
    const ys = scale(-yMax, yMax, p.bottom, p.top);
    drawLine(p, n, xs, (i) => (waveform.values[i] === null ? null : ys(waveform.values[i]!)), HMI.text);
    const x = Math.round(xs(waveform.atIndex - waveform.fromIndex)) + 0.5;
    p.ctx.strokeStyle = HMI.notice;
    p.ctx.lineWidth = 1.5;
    p.ctx.beginPath();
    p.ctx.moveTo(x, p.top);
    p.ctx.lineTo(x, p.bottom);
    p.ctx.stroke();
    figure.current?.setAttribute('data-drawn', String(atMs));
  }, [waveform, atMs, n, peak]);

  const label = `Raw waveform around ${clockTimeMs(atMs)}: ${n} samples (${spanMs.toFixed(1)} ms) at ${waveform.sampleRateHz} Hz, peak ${peak.toPrecision(3)} g`;
  return (
    <figure ref={figure} style={{ margin: '0 0 8px' }} data-testid="moment-waveform" data-samples={n} data-from-index={waveform.fromIndex} data-at-index={waveform.atIndex}>
      <figcaption style={{ fontSize: 13, fontWeight: 600 }}>Raw waveform at the cursor</figcaption>
      <canvas ref={ref} width={WIDTH} height={HEIGHT} role="img" aria-label={label} style={{ width: '100%', maxWidth: WIDTH, border: `1px solid ${HMI.border}` }} />
      <div style={{ fontSize: 12, color: HMI.muted }}>
        {n} raw samples · {spanMs.toFixed(1)} ms · peak {peak.toPrecision(3)} g
        {waveform.engineWindowSamples !== null && waveform.engineWindowSamples !== n ? ` · the engine analyses ${waveform.engineWindowSamples}-sample windows; this is a ${n}-sample window centred on the cursor` : ''}
      </div>
    </figure>
  );
}

/** The score against its levels as a bar, and the alarm level in force. Colour only for alert and danger. */
function ScoreReadout({ score }: { score: MomentScore }): React.JSX.Element {
  const levels = score.levels;
  const top = Math.max(levels ? levels.danger * 1.5 : 1, score.value ?? 0);
  const pct = (v: number): string => `${Math.min(100, Math.max(0, (v / top) * 100)).toFixed(1)}%`;
  const colour = LEVEL_COLOUR[score.level];
  return (
    <div data-testid="moment-score" data-level={score.level} data-score={score.value ?? ''} style={{ display: 'flex', gap: 12, alignItems: 'center', fontSize: 14, margin: '4px 0 8px' }}>
      <span style={{ minWidth: 220 }}>
        Score <b style={{ fontVariantNumeric: 'tabular-nums' }}>{score.value === null ? '—' : score.value.toFixed(2)}</b>
        <span style={{ color: HMI.muted }}> (second from {clockTimeMs(score.secondStartMs)})</span>
      </span>
      <div aria-hidden style={{ position: 'relative', width: 260, height: 14, background: '#d4d4d4', border: `1px solid ${HMI.border}` }}>
        {score.value !== null ? <div style={{ width: pct(score.value), height: '100%', background: score.level === 'normal' ? HMI.muted : colour }} /> : null}
        {levels ? <div title={`alert ${levels.alert}`} style={{ position: 'absolute', left: pct(levels.alert), top: -3, bottom: -3, borderLeft: `2px solid ${HMI.alert}` }} /> : null}
        {levels ? <div title={`danger ${levels.danger}`} style={{ position: 'absolute', left: pct(levels.danger), top: -3, bottom: -3, borderLeft: `2px solid ${HMI.danger}` }} /> : null}
      </div>
      <span style={{ color: HMI.muted }}>{levels ? `alert ${levels.alert} · danger ${levels.danger}${levels.configVersion ? ` (${levels.configVersion})` : ''}` : 'no score levels stored'}</span>
      <span data-testid="moment-level" style={{ fontWeight: 700, color: colour, background: LEVEL_FILL[score.level], padding: '1px 8px', borderRadius: 3 }}>
        {score.level.toUpperCase()}
        {score.levelSinceMs !== null ? <span style={{ fontWeight: 400 }}> since {clockTimeMs(score.levelSinceMs)}</span> : null}
      </span>
    </div>
  );
}
