import type React from 'react';
import { useState } from 'react';
import { ApplyResultSchema, ProposalViewSchema, parseValue, type BacktestOutcome, type ProposalView } from './shapes';
import { useSession } from './session';
import { messageOf } from './useRequest';
import { HMI, dateTime, duration, errorStyle, panelStyle, tableStyle, tdStyle, thStyle } from './theme';

/** The rows of the backtest comparison, current beside proposed. */
const ROWS: ReadonlyArray<[string, string, (o: BacktestOutcome) => string]> = [
  ['Alarm activations', 'activations', (o) => String(o.activations)],
  ['  of which alert', 'alerts', (o) => String(o.alertActivations)],
  ['  of which danger', 'dangers', (o) => String(o.dangerActivations)],
  ['Trips', 'trips', (o) => String(o.trips)],
  ['Alarms per 10 min (avg / peak)', 'per10', (o) => `${o.per10MinAverage.toFixed(2)} / ${o.per10MinPeak}`],
  ['Incidents detected', 'detections', (o) => `${o.detections.filter((d) => d.detected).length} of ${o.detections.length}`],
];

/**
 * A pending change: what it changes and why, the backtest of the configuration in force beside the
 * proposed one over the same stored history (a figure that differs is marked), and the two steps
 * left: approval by an engineer other than the proposer (the host enforces it), then Apply.
 */
export function ProposalPanel({ proposal, onUpdated, onApplied }: { proposal: ProposalView; onUpdated: (p: ProposalView) => void; onApplied: (note: string) => void }): React.JSX.Element {
  const { client, info } = useSession();
  const [note, setNote] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const bt = proposal.backtest;
  const ownChange = proposal.by === info.userName;
  const needsApproval = proposal.requiresApproval && proposal.approvedBy === null;

  const act = (what: Promise<unknown>, done: (v: unknown) => string): void => {
    setBusy(true);
    setMessage(null);
    what.then(
      (v) => {
        setBusy(false);
        try {
          setMessage({ ok: true, text: done(v) });
        } catch (err) {
          setMessage({ ok: false, text: messageOf(err) });
        }
      },
      (err: unknown) => {
        setBusy(false);
        setMessage({ ok: false, text: messageOf(err) });
      },
    );
  };
  const approve = (): void =>
    act(client.request('config.approve', { changeId: proposal.changeId, ...(note.trim() ? { note: note.trim() } : {}) }), (v) => {
      const p = parseValue(ProposalViewSchema, v, 'approved change');
      onUpdated(p);
      return `approved by ${p.approvedBy ?? info.userName}`;
    });
  const apply = (): void =>
    act(client.request('config.apply', { changeId: proposal.changeId }), (v) => {
      const r = parseValue(ApplyResultSchema, v, 'apply result');
      const text = `${proposal.changeId} applied: ${r.versionId} is in force${r.revertAtMs ? `, reverting at ${dateTime(r.revertAtMs)}` : ''}`;
      onApplied(text);
      return text;
    });

  return (
    <div style={{ ...panelStyle, borderColor: HMI.notice }} data-testid="proposal" data-change={proposal.changeId} aria-labelledby="proposal-title">
      <h2 id="proposal-title" style={{ fontSize: 16, marginTop: 0 }}>
        Pending change <span data-testid="proposal-change-id">{proposal.changeId}</span> on {proposal.assetId}
      </h2>
      <p style={{ margin: '4px 0' }}>
        Proposed by <b>{proposal.by}</b> at {dateTime(proposal.proposedMs)} from {proposal.baseVersionId}: “{proposal.reason}”
        {proposal.revertAfterMs ? `; reverts automatically ${duration(proposal.revertAfterMs)} after it is applied` : ''}.
      </p>
      <p style={{ margin: '4px 0' }} data-testid="proposal-approval">
        {!proposal.requiresApproval ? 'No approval required.' : proposal.approvedBy ? `Approved by ${proposal.approvedBy}.` : 'Waiting for approval by another engineer.'}
      </p>
      {bt === null ? (
        <p style={{ color: HMI.muted }}>No backtest attached.</p>
      ) : (
        <table style={{ ...tableStyle, maxWidth: 620 }} data-testid="backtest">
          <caption style={{ textAlign: 'left', color: HMI.muted }}>
            Backtest over {bt.windows === 0 ? 'no stored history (the figures say nothing yet)' : `${bt.windows} s of history (${dateTime(bt.fromMs)} – ${dateTime(bt.toMs)}), ${bt.incidents} incident${bt.incidents === 1 ? '' : 's'}`}
          </caption>
          <thead>
            <tr>
              <th style={thStyle}></th>
              <th style={thStyle}>In force</th>
              <th style={thStyle}>Proposed</th>
            </tr>
          </thead>
          <tbody>
            {ROWS.map(([label, id, f]) => {
              const cur = f(bt.current);
              const prop = f(bt.proposed);
              return (
                <tr key={id} data-testid={`backtest-${id}`}>
                  <td style={{ ...tdStyle, whiteSpace: 'pre' }}>{label}</td>
                  <td style={tdStyle} data-testid="backtest-current">
                    {cur}
                  </td>
                  <td style={{ ...tdStyle, fontWeight: cur === prop ? 400 : 700 }} data-testid="backtest-proposed">
                    {prop}
                    {cur === prop ? '' : ' (changed)'}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <div style={{ display: 'flex', gap: 8, alignItems: 'flex-end', marginTop: 8, flexWrap: 'wrap' }}>
        {needsApproval ? (
          <>
            <label style={{ display: 'flex', flexDirection: 'column', fontSize: 13 }}>
              Approval note
              <input value={note} onChange={(e) => setNote(e.target.value)} disabled={ownChange} size={30} data-testid="proposal-approve-note" />
            </label>
            <button type="button" onClick={approve} disabled={busy || ownChange} title={ownChange ? 'you proposed it: another engineer approves' : undefined} data-testid="proposal-approve">
              Approve
            </button>
          </>
        ) : null}
        {/* Apply stays enabled: the approval may have been given on another console since this page read it; the host refuses an unapproved change. */}
        <button type="button" onClick={apply} disabled={busy} data-testid="proposal-apply">
          Apply
        </button>
        {ownChange && needsApproval ? <span style={{ color: HMI.muted, fontSize: 13 }}>You proposed it: another engineer approves it on this page, then you apply it.</span> : null}
      </div>
      {message ? (
        <p role="status" style={message.ok ? { margin: '6px 0 0' } : { ...errorStyle, margin: '6px 0 0' }} data-testid="proposal-message">
          {message.text}
        </p>
      ) : null}
    </div>
  );
}
