import type React from 'react';
import { useEffect, useState } from 'react';
import type { AssetRef } from './consoleClient';
import { ProposalPanel } from './ProposalPanel';
import { ConfigGetSchema, ConfigHistorySchema, ProposalViewSchema, parseValue, type ProposalView, type ProtectionConfig, type SetpointGroup } from './shapes';
import { atLeast, useSession } from './session';
import { messageOf, useRequest } from './useRequest';
import { HMI, dateTime, duration, errorStyle, panelStyle, tableStyle, tdStyle } from './theme';
import { MachinePicker } from './MachinePicker';
import { TableHead } from './TableHead';

const field: React.CSSProperties = { display: 'flex', flexDirection: 'column', gap: 2, fontSize: 13 };
const REVERT_CHOICES: ReadonlyArray<[string, number | null]> = [
  ['no — a permanent change', null],
  ['after 1 h (trial)', 3_600_000],
  ['after 8 h (trial)', 8 * 3_600_000],
  ['after 24 h (trial)', 24 * 3_600_000],
];

function quantityText(g: SetpointGroup): string {
  return g.quantity.kind === 'feature' ? `feature ${g.quantity.name ?? ''}` : g.quantity.kind === 'velocityMmS' ? 'velocity (mm/s)' : g.quantity.kind;
}

/**
 * Thresholds of one machine: the configuration in force (per group: alert, danger, delays,
 * voting), an edit of one group's alert and danger with a reason, a Preview that proposes it and
 * shows the backtest of both configurations over the stored history, then Approve (a second
 * engineer) and Apply; and the history of versions. Viewers and operators read only.
 */
export function ThresholdsPage({ assets }: { assets: AssetRef[] }): React.JSX.Element {
  const { client, info } = useSession();
  const [assetId, setAssetId] = useState('');
  const chosen = assetId || assets[0]?.assetId || '';
  const [generation, setGeneration] = useState(0);
  const [proposal, setProposal] = useState<ProposalView | null>(null);
  const [applied, setApplied] = useState<string | null>(null);
  const key = `${chosen}#${generation}`;
  const config = useRequest(async () => (chosen ? parseValue(ConfigGetSchema, await client.request('config.get', { assetId: chosen }), 'configuration') : null), key);
  const history = useRequest(async () => (chosen ? parseValue(ConfigHistorySchema, await client.request('config.history', { assetId: chosen }), 'configuration history') : []), key);
  const mayEdit = atLeast(info.role, 'engineer');

  // The asset's pending change comes with its configuration: the second engineer finds it here.
  useEffect(() => {
    if (config.value?.pending) setProposal(config.value.pending);
  }, [config.value]);

  const changed = (): void => setGeneration((g) => g + 1);
  return (
    <section style={{ padding: '0 16px' }} aria-labelledby="thresholds-title">
      <h1 id="thresholds-title" style={{ fontSize: 22 }}>
        Thresholds
      </h1>
      <MachinePicker assets={assets} value={chosen} onChange={(id) => { setAssetId(id); setProposal(null); setApplied(null); }} testId="thresholds-asset" />
      {!mayEdit ? (
        <p style={{ color: HMI.muted }} data-testid="thresholds-readonly">
          Read only: changing thresholds needs the engineer role (you are {info.role}).
        </p>
      ) : null}
      {config.error ? <p role="alert" style={errorStyle}>{config.error}</p> : null}
      {config.value ? (
        <GroupsPanel key={key} config={config.value.config} versionId={config.value.versionId ?? history.value?.find((h) => h.inForce)?.id ?? null} mayEdit={mayEdit} onProposed={(p) => { setApplied(null); setProposal(p); }} />
      ) : (
        <p style={{ color: HMI.muted }}>Loading…</p>
      )}
      {proposal && proposal.assetId === chosen ? <ProposalPanel proposal={proposal} onUpdated={setProposal} onApplied={(note) => { setProposal(null); setApplied(note); changed(); }} /> : null}
      {applied ? (
        <p role="status" data-testid="thresholds-applied">
          {applied}
        </p>
      ) : null}
      <HistoryPanel entries={history.value ?? []} error={history.error} />
    </section>
  );
}

function GroupsPanel({ config, versionId, mayEdit, onProposed }: { config: ProtectionConfig; versionId: string | null; mayEdit: boolean; onProposed: (p: ProposalView) => void }): React.JSX.Element {
  const [editing, setEditing] = useState<string | null>(null);
  return (
    <div style={panelStyle} data-testid="thresholds-config">
      <h2 style={{ fontSize: 16, marginTop: 0 }}>In force{versionId ? `: ${versionId}` : ''}</h2>
      <table style={tableStyle}>
        <TableHead labels={['Group', 'Watches', 'Alert', 'Danger', 'On delay', 'Off delay', 'Voting', 'Channels', '']} />
        <tbody>
          {config.groups.map((g) => (
            <tr key={g.id} data-testid="threshold-group" data-group={g.id}>
              <td style={tdStyle}>{g.id}</td>
              <td style={tdStyle}>{quantityText(g)}</td>
              <td style={tdStyle} data-testid="group-alert">
                {g.alert}
              </td>
              <td style={tdStyle} data-testid="group-danger">
                {g.danger}
              </td>
              <td style={tdStyle}>{duration(g.onDelayMs)}</td>
              <td style={tdStyle}>{duration(g.offDelayMs ?? 0)}</td>
              <td style={tdStyle}>{g.voting}</td>
              <td style={tdStyle}>{g.channels.join(', ')}</td>
              <td style={tdStyle}>
                <button type="button" onClick={() => setEditing(editing === g.id ? null : g.id)} disabled={!mayEdit} aria-expanded={editing === g.id} title={mayEdit ? undefined : 'engineer role needed'} data-testid="group-edit">
                  Edit…
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {editing ? <EditGroup key={editing} config={config} groupId={editing} onProposed={(p) => { setEditing(null); onProposed(p); }} onCancel={() => setEditing(null)} /> : null}
    </div>
  );
}

function EditGroup({ config, groupId, onProposed, onCancel }: { config: ProtectionConfig; groupId: string; onProposed: (p: ProposalView) => void; onCancel: () => void }): React.JSX.Element {
  const { client } = useSession();
  const group = config.groups.find((g) => g.id === groupId)!;
  const [alert, setAlert] = useState(String(group.alert));
  const [danger, setDanger] = useState(String(group.danger));
  const [reason, setReason] = useState('');
  const [revertAfterMs, setRevertAfterMs] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const a = Number(alert);
  const d = Number(danger);
  const problem = !Number.isFinite(a) || alert.trim() === '' ? 'alert must be a number' : !Number.isFinite(d) || danger.trim() === '' ? 'danger must be a number' : d < a ? 'danger must be at or above alert' : reason.trim().length < 3 ? 'give a reason (3 characters or more)' : null;

  const preview = (e: React.FormEvent): void => {
    e.preventDefault();
    if (problem) return;
    const proposed = { ...config, groups: config.groups.map((g) => (g.id === groupId ? { ...g, alert: a, danger: d } : g)) };
    setBusy(true);
    setError(null);
    client.request('config.propose', { assetId: config.assetId, config: proposed, reason: reason.trim(), ...(revertAfterMs ? { revertAfterMs } : {}) }).then(
      (v) => {
        setBusy(false);
        try {
          onProposed(parseValue(ProposalViewSchema, v, 'proposal'));
        } catch (err) {
          setError(messageOf(err));
        }
      },
      (err: unknown) => {
        setBusy(false);
        setError(messageOf(err));
      },
    );
  };

  return (
    <form onSubmit={preview} style={{ marginTop: 12, display: 'flex', gap: 12, alignItems: 'flex-end', flexWrap: 'wrap' }} data-testid="group-edit-form" aria-label={`Edit group ${groupId}`}>
      <strong style={{ alignSelf: 'center' }}>Group {groupId}</strong>
      <label style={field}>
        Alert
        <input type="number" step="any" value={alert} onChange={(e) => setAlert(e.target.value)} required data-testid="edit-alert" />
      </label>
      <label style={field}>
        Danger
        <input type="number" step="any" value={danger} onChange={(e) => setDanger(e.target.value)} required data-testid="edit-danger" />
      </label>
      <label style={field}>
        Reason
        <input value={reason} onChange={(e) => setReason(e.target.value)} required minLength={3} size={40} data-testid="edit-reason" />
      </label>
      <label style={field}>
        Revert automatically
        <select value={revertAfterMs ?? ''} onChange={(e) => setRevertAfterMs(e.target.value ? Number(e.target.value) : null)} data-testid="edit-revert">
          {REVERT_CHOICES.map(([l, ms]) => (
            <option key={l} value={ms ?? ''}>
              {l}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={busy || problem !== null} title={problem ?? undefined} data-testid="edit-preview">
        {busy ? 'Backtesting…' : 'Preview'}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      <span style={{ color: HMI.muted, fontSize: 13 }}>{problem}</span>
      {error ? (
        <p role="alert" style={{ ...errorStyle, width: '100%' }} data-testid="edit-error">
          {error}
        </p>
      ) : null}
    </form>
  );
}

function HistoryPanel({ entries, error }: { entries: Array<{ id: string; seq: number; createdMs: number; createdBy: string; reason: string; changeId: string | null; inForce: boolean }>; error: string | null }): React.JSX.Element {
  return (
    <div style={panelStyle} data-testid="thresholds-history">
      <h2 style={{ fontSize: 16, marginTop: 0 }}>History</h2>
      {error ? <p style={errorStyle}>{error}</p> : null}
      <table style={tableStyle}>
        <TableHead labels={['Version', 'When', 'By', 'Reason', 'Change', 'In force']} />
        <tbody>
          {entries.map((v) => (
            <tr key={v.id} data-testid="history-row" data-version={v.id} data-in-force={v.inForce}>
              <td style={tdStyle}>{v.id}</td>
              <td style={tdStyle}>{dateTime(v.createdMs)}</td>
              <td style={tdStyle}>{v.createdBy}</td>
              <td style={tdStyle}>{v.reason}</td>
              <td style={tdStyle}>{v.changeId ?? '—'}</td>
              <td style={tdStyle}>{v.inForce ? 'in force' : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
