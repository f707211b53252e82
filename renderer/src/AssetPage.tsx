import type React from 'react';
import { useEffect, useRef, useState } from 'react';
import type { FaultKind, LiveChannel, LiveMarkerLabel, LiveView } from '../../engine/contract';
import type { AssetRef } from './consoleClient';
import { AssetInsight } from './AssetInsight';
import { LiveWaveformCanvas } from './LiveWaveformCanvas';
import { useSession } from './session';
import { SpectrumCanvas } from './SpectrumCanvas';
import { TrendCanvas } from './TrendCanvas';
import { HMI, clockTime, panelStyle } from './theme';
import { MachinePicker } from './MachinePicker';
import { useLiveView, type LiveState } from './useLiveView';

/** Older than this (no reply, or the latest window), the page says STALE. */
export const STALE_MS = 3000;

/** The marker of the defect a diagnosis names: the one line drawn in colour. */
const FAULT_MARKER: Partial<Record<FaultKind, LiveMarkerLabel>> = { outer_race: 'BPFO', inner_race: 'BPFI', ball: 'BSF', cage: 'FTF', imbalance_misalignment: '1x' };
const RANGES = { machine: { label: '0 – 1 kHz (shaft orders, defect lines)', maxHz: 1000 }, full: { label: 'to Nyquist (structural resonances)', maxHz: Infinity } } as const;
type Range = keyof typeof RANGES;
const LEVEL_COLOUR = { normal: HMI.normal, alert: HMI.alert, danger: HMI.danger } as const;
const field: React.CSSProperties = { display: 'flex', alignItems: 'center', gap: 6, fontSize: 14 };
const grid: React.CSSProperties = { display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(600px, 1fr))', gap: 12 };

/** Why what the page shows may not be the machine now, in words; empty when it is live. */
export function staleReasons(live: LiveState, view: LiveView | null, ch: LiveChannel | null): string[] {
  const out: string[] = [];
  if (live.error) out.push(`the last request failed: ${live.error}`);
  if (live.receivedMs !== null && live.nowMs - live.receivedMs > STALE_MS) out.push(`no live frame for ${Math.round((live.nowMs - live.receivedMs) / 1000)} s`);
  if (view && ch) {
    if (ch.quality !== 'good') out.push(`channel ${ch.channelId} is ${ch.quality}`);
    if (ch.receivedMs === null) out.push(`no window from ${ch.channelId} yet`);
    else if (view.atMs - ch.receivedMs > STALE_MS) out.push(`no new window from ${ch.channelId} for ${Math.round((view.atMs - ch.receivedMs) / 1000)} s (the latest arrived at ${clockTime(ch.receivedMs)})`);
  }
  return out;
}

/**
 * One machine live: the latest window's waveform, its spectrum and envelope spectrum with the
 * 1x and bearing defect markers, the score and velocity trends against the levels in force, the
 * diagnosis and the inputs that drive the score. Ten frames a second from `asset.live`, drawn on
 * canvases; a frame older than STALE_MS, or a channel that is not good, is marked STALE and dimmed.
 * Everything is reachable with the keyboard: machine, channel, spectrum range, pause.
 */
export function AssetPage({ assets, assetId, onAssetChange }: { assets: AssetRef[]; assetId: string; onAssetChange: (assetId: string) => void }): React.JSX.Element {
  const { client } = useSession();
  const chosen = assetId || assets[0]?.assetId || '';
  const [channelId, setChannelId] = useState<string | undefined>(undefined);
  const [channelIds, setChannelIds] = useState<string[]>([]);
  const [paused, setPaused] = useState(false);
  const [range, setRange] = useState<Range>('machine');
  const live = useLiveView(client, chosen, channelId, paused);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  useEffect(() => {
    setChannelId(undefined);
    setChannelIds([]);
  }, [chosen]);
  // The first frame lists the asset's channels; from then on only the chosen one is asked for (a reply stays bounded).
  useEffect(() => {
    if (live.view && live.view.assetId === chosen && channelIds.length === 0 && live.view.channels.length > 0) {
      setChannelIds(live.view.channels.map((c) => c.channelId));
      setChannelId(live.view.channels[0]!.channelId);
    }
  }, [live.view, chosen, channelIds.length]);

  const v = live.view?.assetId === chosen ? live.view : null;
  const ch = v?.channels.find((c) => c.channelId === channelId) ?? v?.channels[0] ?? null;
  const reasons = staleReasons(live, v, ch);
  const stale = reasons.length > 0;
  const highlight = v?.diagnosis && v.diagnosis.fault !== 'unknown' ? (FAULT_MARKER[v.diagnosis.fault] ?? null) : null;
  const abnormal = v !== null && (v.level !== 'normal' || v.latched);

  return (
    <section style={{ padding: '0 16px' }} aria-labelledby="asset-title" data-testid="asset-page" data-asset={chosen} data-updates={live.updates} data-stale={stale} data-rate={live.ratePerS.toFixed(1)} data-latency-ms={live.latencyMs ?? ''}>
      <h1 id="asset-title" ref={heading} tabIndex={-1} style={{ fontSize: 22, outline: 'none' }}>
        {v ? `${v.name} (${v.assetId})` : chosen ? `Machine ${chosen}` : 'Machine'}
      </h1>
      <div style={{ display: 'flex', flexWrap: 'wrap', gap: 16, alignItems: 'center', marginBottom: 8 }}>
        <MachinePicker assets={assets} value={chosen} onChange={onAssetChange} testId="asset-select" />
        {channelIds.length > 1 ? (
          <label style={field}>
            Channel
            <select value={channelId ?? ''} onChange={(e) => setChannelId(e.target.value)} data-testid="asset-channel">
              {channelIds.map((id) => (
                <option key={id} value={id}>
                  {id}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label style={field}>
          Spectrum range
          <select value={range} onChange={(e) => setRange(e.target.value as Range)} data-testid="asset-range">
            {(Object.keys(RANGES) as Range[]).map((r) => (
              <option key={r} value={r}>
                {RANGES[r].label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => setPaused((p) => !p)} aria-pressed={paused} data-testid="asset-pause">
          {paused ? 'Resume live' : 'Pause'}
        </button>
        <span style={{ color: HMI.muted, fontSize: 13 }} data-testid="asset-rate">
          {paused ? 'paused' : `${live.ratePerS.toFixed(1)} frames/s${live.latencyMs === null ? '' : ` · reply ${live.latencyMs} ms`}`}
          {live.receivedMs !== null ? ` · last at ${clockTime(live.receivedMs)}` : ''}
        </span>
      </div>
      {stale ? (
        <div role="alert" data-testid="asset-stale" style={{ background: HMI.alertFill, color: HMI.text, border: `1px solid ${HMI.alert}`, padding: '4px 8px', fontWeight: 700, marginBottom: 8 }}>
          STALE — what this page shows may not be the machine now: {reasons.join('; ')}.
        </div>
      ) : null}
      {!v ? (
        <p style={{ color: HMI.muted }} role="status">
          {live.error ? '' : chosen ? 'Waiting for the first live frame…' : 'No machine to show.'}
        </p>
      ) : (
        <>
          <div role="status" style={{ ...panelStyle, opacity: stale ? 0.6 : 1, display: 'flex', flexWrap: 'wrap', gap: 20, fontSize: 15, background: v.level === 'danger' ? HMI.dangerFill : v.level === 'alert' ? HMI.alertFill : HMI.panel }}>
            <span data-testid="asset-level" data-level={v.level} style={{ color: LEVEL_COLOUR[v.level], fontWeight: abnormal ? 700 : 400 }}>
              level {v.level}
              {v.latched ? ' (latched)' : ''}
            </span>
            <span>score {ch?.score === null || ch === null ? '—' : ch.score.toFixed(2)}</span>
            <span>velocity {ch?.velocityMmS == null ? '—' : `${ch.velocityMmS.toFixed(2)} mm/s`}</span>
            <span>shaft {ch?.shaftHz == null ? '—' : `${ch.shaftHz.toFixed(2)} Hz (${Math.round(ch.shaftHz * 60)} rpm)`}</span>
            <span>{v.operatingState}</span>
            <span style={{ color: HMI.muted }}>model {v.modelVersion ?? 'commissioning'}</span>
            {ch?.note ? <span style={{ color: HMI.muted }}>{ch.note}</span> : null}
          </div>
          {ch ? <Charts ch={ch} range={range} highlight={highlight} dimmed={stale} /> : <p>This machine has no waveform channel.</p>}
          <AssetInsight diagnosis={v.diagnosis} contributions={ch?.contributions ?? null} />
        </>
      )}
    </section>
  );
}

function Charts({ ch, range, highlight, dimmed }: { ch: LiveChannel; range: Range; highlight: LiveMarkerLabel | null; dimmed: boolean }): React.JSX.Element {
  const score = ch.levels.filter((l) => l.quantity === 'score');
  const velocity = ch.levels.filter((l) => l.quantity === 'velocityMmS');
  const drawnKey = ch.lastWindowMs ?? 0;
  return (
    <div style={{ ...grid, opacity: dimmed ? 0.6 : 1 }} data-testid="asset-charts">
      <div style={panelStyle}>{ch.waveform ? <LiveWaveformCanvas waveform={ch.waveform} dimmed={dimmed} /> : <p>No window yet.</p>}</div>
      <div style={panelStyle}>
        {ch.spectrum ? <SpectrumCanvas spectrum={ch.spectrum} markers={ch.markers} title="Spectrum (acceleration)" testId="asset-spectrum" maxHz={RANGES[range].maxHz} highlight={highlight} dimmed={dimmed} drawnKey={drawnKey} /> : <p>No spectrum yet.</p>}
      </div>
      <div style={panelStyle}>
        {ch.envelope ? (
          <SpectrumCanvas spectrum={ch.envelope} markers={ch.markers.filter((m) => m.label !== '1x')} title={`Envelope spectrum (band ${Math.round(ch.envelope.bandLowHz)}–${Math.round(ch.envelope.bandHighHz)} Hz)`} testId="asset-envelope" harmonics={3} highlight={highlight} dimmed={dimmed} drawnKey={drawnKey} />
        ) : (
          <p>No envelope spectrum yet.</p>
        )}
      </div>
      <div style={panelStyle}>
        <TrendCanvas tMs={ch.trend.tMs} values={ch.trend.score} levels={score} title="Score" unit="" testId="asset-score-trend" dimmed={dimmed} />
        <TrendCanvas tMs={ch.trend.tMs} values={ch.trend.velocityMmS} levels={velocity} title="Velocity (ISO 10–1000 Hz)" unit="mm/s" testId="asset-velocity-trend" dimmed={dimmed} />
      </div>
    </div>
  );
}
