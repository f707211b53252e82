import type React from 'react';
import { useEffect, useRef, useState } from 'react';
import { RollbackReplySchema, type ChannelModels, type ModelFigures, type ModelValidation, type ModelVersionRow, type ProductionModel, type ScoreSummary, type ShadowModel } from '../../engine/contract';
import { parseValue } from './shapes';
import { useSession } from './session';
import { messageOf } from './useRequest';
import { HMI, dateTime, errorStyle, panelStyle, tableStyle, tdStyle, thStyle } from './theme';
import { TableHead } from './TableHead';

const field: React.CSSProperties = { display: 'flex', flexDirection: 'column', gap: 2, fontSize: 13 };
const rowHead: React.CSSProperties = { ...tdStyle, textAlign: 'left', fontWeight: 400, color: HMI.muted };

/** A validation's figures in one line, as the promote outcome and the tables show them. */
export function validationText(v: ModelValidation): string {
  const faults = v.confirmedFaults === 0 ? 'no confirmed faults stored' : `${v.confirmedFaultsAlarmed} of ${v.confirmedFaults} confirmed faults still alarm`;
  return `${v.passed ? 'passed' : 'refused'}: held-out max ${score(v.heldOutMaxScore)} over ${v.heldOutWindows} windows; ${faults}${v.reason ? `; ${v.reason}` : ''}`;
}

function score(s: number): string {
  return s.toFixed(3);
}

function kilobytes(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} kB`;
}

function summaryText(s: ScoreSummary): string {
  return `mean ${score(s.meanScore)} · max ${score(s.maxScore)} · ${s.aboveAlert} at or above alert`;
}

/** Rows of the side-by-side table: the same figure of production and of the shadow. */
const FIGURE_ROWS: ReadonlyArray<[string, string, (m: ModelFigures) => string]> = [
  ['Version', 'version', (m) => m.version],
  ['Kind', 'kind', (m) => `${m.kind} ${m.layers.join('→')}`],
  ['Precision', 'precision', (m) => m.precision],
  ['ONNX size', 'size', (m) => kilobytes(m.onnxBytes)],
  ['Windows learned', 'samples', (m) => String(m.samplesSeen)],
  ['Threshold (RMS distance at score 1)', 'threshold', (m) => m.threshold.toFixed(4)],
  ['Learned from', 'parent', (m) => (m.parentVersion ? m.parentVersion : `commissioning (${m.commissioningWindows} windows)`)],
  ['Speed band', 'regime', (m) => (m.regime ? `${m.regime.lowHz.toFixed(2)}–${m.regime.highHz.toFixed(2)} Hz` : 'any')],
];

function productionHistory(p: ProductionModel): string {
  const when = p.promotedMs === null ? 'in production (no promotion recorded)' : `${p.promotionKind ?? 'in production'} ${dateTime(p.promotedMs)} by ${p.promotedBy ?? '?'}`;
  return `${when}${p.promotionReason ? ` — “${p.promotionReason}”` : ''}`;
}

function shadowLearning(s: ShadowModel): string {
  if (!s.learning.enabled) return 'online learning off: the shadow keeps production’s weights';
  if (s.learning.paused) return `learning paused: ${s.learning.paused}`;
  return `learning: ${s.learning.learnedSincePromotion} windows since the last promotion (tries to promote itself after ${s.learning.promoteEveryWindows})`;
}

/**
 * One channel: production beside its shadow (the same figures for both, then their scores on the
 * same recent windows), then the stored versions with Roll back.
 */
export function ModelChannelPanel({ assetId, channel, disabledWhy, onChanged }: { assetId: string; channel: ChannelModels; disabledWhy: string | null; onChanged: () => void }): React.JSX.Element {
  const p = channel.production;
  const s = channel.shadow;
  const cmp = s?.comparison ?? null;
  return (
    <div style={panelStyle} data-testid="models-channel" data-channel={channel.channelId} aria-labelledby={`models-ch-${channel.channelId}`}>
      <h2 id={`models-ch-${channel.channelId}`} style={{ fontSize: 16, marginTop: 0 }}>
        Channel {channel.channelId}
      </h2>
      {p === null ? (
        <p style={{ color: HMI.muted }}>Commissioning: no production model yet.</p>
      ) : (
        <table style={{ ...tableStyle, maxWidth: 980 }} data-testid="models-side-by-side">
          <caption style={{ textAlign: 'left', color: HMI.muted }}>Production scores every window; the shadow learns from the normal ones and reaches production only by a validated promotion. Alert is at score {channel.alertScore}.</caption>
          <thead>
            <tr>
              <th style={thStyle} scope="col"></th>
              <th style={thStyle} scope="col">
                Production
              </th>
              <th style={thStyle} scope="col">
                Shadow
              </th>
            </tr>
          </thead>
          <tbody>
            {FIGURE_ROWS.map(([label, id, f]) => {
              const prod = f(p);
              const shadow = s ? f(s) : '—';
              return (
                <tr key={id} data-testid={`figure-${id}`}>
                  <th style={rowHead} scope="row">
                    {label}
                  </th>
                  <td style={tdStyle} data-testid="figure-production">
                    {prod}
                  </td>
                  <td style={{ ...tdStyle, fontWeight: s && shadow !== prod ? 600 : 400 }} data-testid="figure-shadow">
                    {shadow}
                  </td>
                </tr>
              );
            })}
            <tr data-testid="figure-state">
              <th style={rowHead} scope="row">
                State
              </th>
              <td style={tdStyle} data-testid="figure-production">
                {productionHistory(p)}
                {p.createdMs !== null ? `; stored ${dateTime(p.createdMs)}` : ''}
              </td>
              <td style={{ ...tdStyle, color: s?.learning.paused ? HMI.notice : undefined }} data-testid="figure-shadow">
                {s ? `${shadowLearning(s)}${s.differsFromProduction ? '' : '; same weights as production, promoting changes nothing'}` : (channel.shadowUnavailable ?? '—')}
              </td>
            </tr>
            <tr data-testid="figure-validation">
              <th style={rowHead} scope="row">
                Validation
              </th>
              <td style={{ ...tdStyle, color: p.validation && !p.validation.passed ? HMI.alert : undefined }} data-testid="figure-production">
                {p.validation ? validationText(p.validation) : `none (${p.promotionKind ?? 'installed'}: nothing was validated)`}
              </td>
              <td style={{ ...tdStyle, color: s?.heldOut && s.heldOut.shadowMaxScore >= channel.alertScore ? HMI.alert : undefined }} data-testid="figure-shadow">
                {s?.heldOut ? `preview: held-out max ${score(s.heldOut.shadowMaxScore)} over ${s.heldOut.windows} windows (fp32; validation scores the int8 candidate)` : 'no held-out windows yet'}
              </td>
            </tr>
            <tr data-testid="figure-recent">
              <th style={rowHead} scope="row">
                {cmp ? `Same ${cmp.windows} recent windows (${dateTime(cmp.fromMs)} – ${dateTime(cmp.toMs)})` : 'Recent windows'}
              </th>
              <td style={tdStyle} data-testid="figure-production">
                {cmp ? summaryText(cmp.production) : '—'}
              </td>
              <td style={tdStyle} data-testid="figure-shadow">
                {cmp ? `${summaryText(cmp.shadow)}; differs from production by ${score(cmp.meanAbsDifference)} on average, ${score(cmp.maxAbsDifference)} at most` : 'none scored by this production version yet'}
              </td>
            </tr>
          </tbody>
        </table>
      )}
      <VersionsTable assetId={assetId} channel={channel} disabledWhy={disabledWhy} onChanged={onChanged} />
    </div>
  );
}

function VersionsTable({ assetId, channel, disabledWhy, onChanged }: { assetId: string; channel: ChannelModels; disabledWhy: string | null; onChanged: () => void }): React.JSX.Element {
  const [target, setTarget] = useState<ModelVersionRow | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const shown = channel.versions.length;
  return (
    <>
      <h3 style={{ fontSize: 14, margin: '12px 0 4px' }}>
        Stored versions{channel.versionsStored > shown ? ` (newest ${shown} of ${channel.versionsStored})` : ''}
      </h3>
      <table style={tableStyle} data-testid="models-versions">
        <TableHead labels={['Version', 'Stored', 'Precision', 'Size', 'Promoted by', 'Validation', 'Last in production', '']} />
        <tbody>
          {channel.versions.map((v) => (
            <tr key={v.versionId} data-testid="model-version" data-version={v.versionId} data-in-production={v.inProduction}>
              <td style={{ ...tdStyle, fontWeight: v.inProduction ? 700 : 400 }}>
                {v.versionId}
                {v.inProduction ? ' (production)' : ''}
              </td>
              <td style={tdStyle}>{dateTime(v.createdMs)}</td>
              <td style={tdStyle}>{v.precision ?? '?'}</td>
              <td style={tdStyle}>{kilobytes(v.onnxBytes)}</td>
              <td style={tdStyle}>{v.promotedBy ?? 'never (candidate)'}</td>
              <td style={{ ...tdStyle, color: v.validation && !v.validation.passed ? HMI.alert : undefined }}>{v.validation ? validationText(v.validation) : 'none'}</td>
              <td style={tdStyle}>{v.lastInProductionMs === null ? '—' : dateTime(v.lastInProductionMs)}</td>
              <td style={tdStyle}>
                <button
                  type="button"
                  onClick={() => { setDone(null); setTarget(v); }}
                  disabled={disabledWhy !== null || v.inProduction || channel.production === null}
                  title={disabledWhy ?? (v.inProduction ? 'already in production' : undefined)}
                  aria-expanded={target?.versionId === v.versionId}
                  data-testid="version-rollback"
                >
                  Roll back to this…
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {disabledWhy ? <p style={{ color: HMI.muted, fontSize: 13, margin: '4px 0 0' }}>Roll back {disabledWhy}.</p> : null}
      {target && channel.production ? (
        <RollbackForm
          key={target.versionId}
          assetId={assetId}
          channelId={channel.channelId}
          from={channel.production.version}
          to={target}
          onCancel={() => setTarget(null)}
          onDone={(text) => { setTarget(null); setDone(text); onChanged(); }}
        />
      ) : null}
      {done ? (
        <p role="status" data-testid="rollback-done" style={{ margin: '6px 0 0' }}>
          {done}
        </p>
      ) : null}
    </>
  );
}

/** Reason, then a distinct confirm step that says what changes; Escape or Cancel leaves it. */
function RollbackForm({ assetId, channelId, from, to, onCancel, onDone }: { assetId: string; channelId: string; from: string; to: ModelVersionRow; onCancel: () => void; onDone: (text: string) => void }): React.JSX.Element {
  const { client } = useSession();
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const reasonRef = useRef<HTMLInputElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const problem = reason.trim().length < 3 ? 'give a reason (3 characters or more)' : null;
  useEffect(() => (confirming ? confirmRef.current : reasonRef.current)?.focus(), [confirming]);

  const rollback = (): void => {
    setBusy(true);
    setError(null);
    client.request('models.rollback', { assetId, channelId, versionId: to.versionId, reason: reason.trim() }).then(
      (v) => {
        setBusy(false);
        try {
          const r = parseValue(RollbackReplySchema, v, 'rollback result');
          onDone(`${assetId}/${r.channelId}: ${r.toVersion} is in production again (was ${r.fromVersion ?? 'none'}).`);
        } catch (err) {
          setError(messageOf(err));
        }
      },
      (err: unknown) => {
        setBusy(false);
        setConfirming(false);
        setError(messageOf(err));
      },
    );
  };
  const submit = (e: React.FormEvent): void => {
    e.preventDefault();
    if (problem || busy) return;
    if (confirming) rollback();
    else setConfirming(true);
  };
  const keys = (e: React.KeyboardEvent): void => {
    if (e.key === 'Escape') onCancel();
  };

  return (
    <form onSubmit={submit} onKeyDown={keys} style={{ marginTop: 8, padding: 8, border: `1px solid ${HMI.notice}`, background: HMI.noticeFill }} aria-label={`Roll back ${channelId} to ${to.versionId}`} data-testid="rollback-form">
      <div style={{ display: 'flex', gap: 8, alignItems: 'flex-end', flexWrap: 'wrap' }}>
        <strong style={{ alignSelf: 'center' }}>
          Roll back {channelId} from {from} to {to.versionId}
        </strong>
        <label style={field}>
          Reason
          <input ref={reasonRef} value={reason} onChange={(e) => { setReason(e.target.value); setConfirming(false); }} required minLength={3} size={40} disabled={busy} data-testid="rollback-reason" />
        </label>
        {!confirming ? (
          <button type="submit" disabled={problem !== null} title={problem ?? undefined} data-testid="rollback-next">
            Roll back…
          </button>
        ) : null}
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <span style={{ color: HMI.muted, fontSize: 13 }}>{problem}</span>
      </div>
      {confirming ? (
        <p style={{ margin: '8px 0 0' }} data-testid="rollback-confirm-text">
          {to.versionId} will score {assetId}/{channelId} from the next window, without a new validation
          {to.validation && !to.validation.passed ? <b style={{ color: HMI.alert }}> — validation refused this version when it was a candidate</b> : null}; the shadow restarts from its weights.{' '}
          <button ref={confirmRef} type="submit" disabled={busy} data-testid="rollback-confirm">
            {busy ? 'Rolling back…' : `Confirm roll back to ${to.versionId}`}
          </button>
        </p>
      ) : null}
      {error ? (
        <p role="alert" style={{ ...errorStyle, margin: '6px 0 0' }} data-testid="rollback-error">
          {error}
        </p>
      ) : null}
    </form>
  );
}
