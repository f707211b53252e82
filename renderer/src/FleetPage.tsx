import type React from 'react';
import { useEffect, useRef, useState } from 'react';
import type { AssetStatus, PlantStatus, VigilApi } from '../../engine/contract';
import { ConnectionsStrip } from './ConnectionsStrip';
import { ScoreSparkline } from './ScoreSparkline';
import { HMI, clockTime, tableStyle, tdStyle, thStyle } from './theme';

/** Score points kept per asset for the sparkline: charts get a fixed-rate frame, never per sample. */
const HISTORY = 120;

/** Normal is grey; only an abnormal level has a colour (high-performance HMI). */
const LEVEL_COLOUR: Record<AssetStatus['level'], string> = { normal: HMI.normal, alert: HMI.alert, danger: HMI.danger };

/** How the model's life reads on the fleet page; colour only when it needs attention. */
const LEARNING_LABEL: Record<AssetStatus['learning']['state'], string> = {
  learning: 'learning',
  paused: 'learning paused',
  off: 'learning off',
  regime_commissioning: 'new speed regime',
};

const COLUMNS = ['Machine', 'Phase', 'Quality', 'Level', 'Score', 'Trend', 'Velocity mm/s', 'Shaft Hz', 'State', 'Protection', 'Diagnosis', 'Model', 'Trips'];

/** Where the page gets its snapshots: the preload bridge, the HTTP poller, or a signed-in console session. */
export type StatusSource = Pick<VigilApi, 'getStatus' | 'onStatus'>;

/**
 * Every machine of the plant with its phase, quality, level (latched), learned score (sparkline
 * against the alert line), ISO velocity, operating state, protection state (bypass, first-out) and
 * diagnosis. Read-only: it is also what a signed-out supervisor's browser shows. With `onOpen`
 * (signed in), a row opens the machine's asset page on click, Enter or Space.
 */
export function FleetPage({ source, onOpen }: { source: StatusSource; onOpen?: (assetId: string) => void }): React.JSX.Element {
  const [status, setStatus] = useState<PlantStatus | null>(null);
  const history = useRef(new Map<string, number[]>());

  useEffect(() => {
    let live = true;
    source.getStatus().then(
      (s) => live && s && setStatus(s),
      (err: unknown) => console.warn('status not available', err),
    );
    const stop = source.onStatus((s) => {
      for (const a of s.assets) {
        if (a.score === null) continue;
        // A new array each time, so the row's sparkline sees a changed value and redraws.
        const h = history.current.get(a.assetId) ?? [];
        history.current.set(a.assetId, [...(h.length >= HISTORY ? h.slice(h.length - HISTORY + 1) : h), a.score]);
      }
      setStatus(s);
    });
    return () => {
      live = false;
      stop();
    };
  }, [source]);

  if (!status) return <p>Waiting for the engine…</p>;
  return (
    <section style={{ padding: '0 16px' }} aria-label="Fleet">
      <h1 style={{ fontSize: 22 }}>Vigil — {status.source}</h1>
      <p style={{ color: HMI.muted }}>
        {status.windowsScored} windows scored · {Object.values(status.rejected).reduce((a, b) => a + b, 0)} frames rejected · {status.dropped} dropped
      </p>
      <ConnectionsStrip connections={status.connections} />
      <table style={tableStyle} data-testid="fleet-table" data-at-ms={status.atMs}>
        <thead>
          <tr>
            {COLUMNS.map((h) => (
              <th key={h} style={thStyle}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {status.assets.map((a) => (
            <AssetRow key={a.assetId} a={a} trend={history.current.get(a.assetId) ?? []} onOpen={onOpen} />
          ))}
        </tbody>
      </table>
    </section>
  );
}

function AssetRow({ a, trend, onOpen }: { a: AssetStatus; trend: readonly number[]; onOpen?: (assetId: string) => void }): React.JSX.Element {
  const abnormal = a.level !== 'normal' || a.latched;
  return (
    <tr
      data-asset={a.assetId}
      data-level={a.level}
      data-latched={a.latched}
      style={{ background: a.level === 'danger' ? HMI.dangerFill : a.level === 'alert' ? HMI.alertFill : undefined, cursor: onOpen ? 'pointer' : undefined }}
      {...(onOpen
        ? {
            tabIndex: 0,
            title: `Open ${a.name}: waveform, spectra, trends, diagnosis`,
            onClick: () => onOpen(a.assetId),
            onKeyDown: (e: React.KeyboardEvent) => {
              if (e.key !== 'Enter' && e.key !== ' ') return;
              e.preventDefault();
              onOpen(a.assetId);
            },
          }
        : {})}
    >
      <td style={tdStyle}>
        {a.name}
        <HeldBy heldBy={a.heldBy} />
      </td>
      <td style={tdStyle}>{a.phase === 'commissioning' ? `commissioning ${Math.round(a.commissioningProgress * 100)}%` : 'monitoring'}</td>
      <td style={{ ...tdStyle, color: a.quality === 'good' ? HMI.normal : HMI.alert }}>{a.quality}</td>
      <td style={{ ...tdStyle, color: LEVEL_COLOUR[a.level], fontWeight: abnormal ? 700 : 400 }} data-testid="fleet-level">
        {a.level}
        {a.latched ? <span data-testid="fleet-latched"> (latched)</span> : null}
      </td>
      <td style={tdStyle}>{a.score === null ? '—' : a.score.toFixed(2)}</td>
      <td style={{ ...tdStyle, width: 150 }}>
        <ScoreSparkline scores={trend} assetName={a.name} />
      </td>
      <td style={tdStyle}>{a.velocityRmsMmS === null ? '—' : a.velocityRmsMmS.toFixed(2)}</td>
      <td style={tdStyle}>{a.shaftHz === null ? '—' : a.shaftHz.toFixed(1)}</td>
      <td style={tdStyle} data-testid="fleet-state">
        {a.operatingState}
      </td>
      <td style={tdStyle}>
        {a.bypass ? (
          <div data-testid="fleet-bypass" style={{ color: HMI.notice, fontWeight: 700, border: `1px solid ${HMI.notice}`, background: HMI.noticeFill, padding: '0 4px' }} title={`since ${clockTime(a.bypass.sinceMs)}`}>
            BYPASSED by {a.bypass.by}: {a.bypass.reason}
          </div>
        ) : null}
        {a.firstOut ? (
          <div data-testid="fleet-first-out" style={{ color: HMI.danger }}>
            first out: {firstOutText(a.firstOut)} at {clockTime(a.firstOut.atMs)}
          </div>
        ) : null}
        {!a.bypass && !a.firstOut ? <span style={{ color: HMI.muted }}>{a.configVersion}</span> : null}
      </td>
      <td style={tdStyle}>{a.diagnosis ?? '—'}</td>
      <td style={tdStyle} title={a.learning.detail ?? undefined}>
        {a.modelVersion ?? '—'}
        <div data-learning={a.learning.state} style={{ fontSize: 12, color: a.learning.state === 'paused' || a.learning.state === 'regime_commissioning' ? HMI.alert : HMI.muted }}>
          {LEARNING_LABEL[a.learning.state]} · {a.learning.promotions} versions{a.learning.regimes > 1 ? ` · ${a.learning.regimes} regimes` : ''}
        </div>
      </td>
      <td style={tdStyle}>{a.trips}</td>
    </tr>
  );
}

/**
 * Scale-out: which engine runs the asset. Another engine's asset has no live data on this console
 * (its row is that engine's to show); an asset no engine runs is unprotected by Vigil, in red.
 */
function HeldBy({ heldBy }: { heldBy: string | null | undefined }): React.JSX.Element | null {
  if (heldBy === undefined) return null;
  if (heldBy === null) return <div data-held-by="" style={{ fontSize: 12, color: HMI.danger, fontWeight: 700 }}>no engine runs it now</div>;
  return <div data-held-by={heldBy} style={{ fontSize: 12, color: HMI.muted }}>run by {heldBy}</div>;
}

/** 'velocity 7.32 ≥ 7.1', or the group alone when there is no measured value (an operator's emergency stop). */
function firstOutText(fo: { groupId: string; value: number | null; setpoint: number | null }): string {
  const { value, setpoint } = fo;
  return value !== null && Number.isFinite(value) ? `${fo.groupId} ${value.toFixed(2)} ≥ ${setpoint ?? '?'}` : fo.groupId;
}
