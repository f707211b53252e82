import type React from 'react';
import { useState } from 'react';
import { AlarmKpiPanel } from './AlarmKpiPanel';
import { AlarmRowSchema, parseValue, type AlarmRow } from './shapes';
import { atLeast, useSession } from './session';
import { messageOf, useRequest } from './useRequest';
import { HMI, PRIORITY_COLOUR, clockTime, errorStyle, panelStyle, tableStyle, tdStyle } from './theme';
import { z } from 'zod';
import { TableHead } from './TableHead';

/** The alarm list is polled at this rate: fast enough for an operator, slow enough for the host. */
const LIST_POLL_MS = 2000;
const SHELVE_CHOICES: ReadonlyArray<[string, number]> = [
  ['15 min', 15 * 60_000],
  ['1 h', 3_600_000],
  ['4 h', 4 * 3_600_000],
  ['8 h (one shift)', 8 * 3_600_000],
];
const PRIORITY_ORDER: Readonly<Record<string, number>> = { critical: 0, high: 1, medium: 2, low: 3 };
const UNACKED = new Set(['active-unacknowledged', 'returned-unacknowledged']);

/**
 * The operator's alarm list (ISA-18.2): annunciated alarms, most urgent first, unacknowledged in
 * bold, each with Acknowledge (optional note) and Shelve (bounded duration and a reason); below
 * them what is hidden on purpose (shelved, suppressed, out of service), then the alarm-system KPIs
 * of the last 24 h.
 */
export function AlarmsPage(): React.JSX.Element {
  const { client } = useSession();
  const list = useRequest(async () => parseValue(z.array(AlarmRowSchema), await client.request('alarms.list', {}), 'alarm list'), 'alarms', LIST_POLL_MS);
  const rows = list.value ?? [];
  const active = rows.filter((r) => r.annunciated).sort((a, b) => (PRIORITY_ORDER[a.priority] ?? 9) - (PRIORITY_ORDER[b.priority] ?? 9) || (a.activeSinceMs ?? 0) - (b.activeSinceMs ?? 0));
  const hidden = rows.filter((r) => !r.annunciated && r.state !== 'normal');
  return (
    <section style={{ padding: '0 16px' }} aria-labelledby="alarms-title">
      <h1 id="alarms-title" style={{ fontSize: 22 }}>
        Alarms
      </h1>
      {list.error ? <p role="alert" style={errorStyle}>{list.error}</p> : null}
      <div style={panelStyle}>
        <h2 style={{ fontSize: 16, marginTop: 0 }}>Active ({active.length})</h2>
        {active.length === 0 ? (
          <p data-testid="alarms-none" style={{ color: HMI.muted }}>
            {list.value === null ? 'Loading…' : 'No active alarms.'}
          </p>
        ) : (
          <AlarmTable rows={active} onChanged={list.reload} actions />
        )}
      </div>
      {hidden.length > 0 ? (
        <div style={panelStyle}>
          <h2 style={{ fontSize: 16, marginTop: 0 }}>Shelved, suppressed or out of service ({hidden.length})</h2>
          <AlarmTable rows={hidden} onChanged={list.reload} actions={false} />
        </div>
      ) : null}
      <AlarmKpiPanel />
    </section>
  );
}

function AlarmTable({ rows, onChanged, actions }: { rows: AlarmRow[]; onChanged: () => void; actions: boolean }): React.JSX.Element {
  return (
    <table style={tableStyle} data-testid={actions ? 'alarms-active' : 'alarms-hidden'}>
      <TableHead labels={['Priority', 'Machine', 'Alarm', 'State', 'Value', 'Setpoint', 'Since', actions ? 'Actions' : 'Until']} />
      <tbody>
        {rows.map((r) => (
          <AlarmLine key={`${r.assetId}/${r.alarmKey}`} row={r} onChanged={onChanged} actions={actions} />
        ))}
      </tbody>
    </table>
  );
}

function AlarmLine({ row, onChanged, actions }: { row: AlarmRow; onChanged: () => void; actions: boolean }): React.JSX.Element {
  const { client, info } = useSession();
  const [open, setOpen] = useState<'ack' | 'shelve' | null>(null);
  const [note, setNote] = useState('');
  const [shelveMs, setShelveMs] = useState(SHELVE_CHOICES[0]![1]);
  const [reason, setReason] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const mayAct = atLeast(info.role, 'operator');
  const unacked = UNACKED.has(row.state);
  const colour = PRIORITY_COLOUR[row.priority] ?? HMI.text;
  const id = `${row.assetId}-${row.alarmKey}`.replace(/[^a-zA-Z0-9-]/g, '-');

  const run = (what: Promise<unknown>, done: string): void => {
    setBusy(true);
    setMessage(null);
    what.then(
      () => {
        setBusy(false);
        setOpen(null);
        setNote('');
        setReason('');
        setMessage({ ok: true, text: done });
        onChanged();
      },
      (err: unknown) => {
        setBusy(false);
        setMessage({ ok: false, text: messageOf(err) });
      },
    );
  };
  const acknowledge = (e: React.FormEvent): void => {
    e.preventDefault();
    run(client.request('alarms.acknowledge', { assetId: row.assetId, alarmKey: row.alarmKey, ...(note.trim() ? { note: note.trim() } : {}) }), 'acknowledged');
  };
  const shelve = (e: React.FormEvent): void => {
    e.preventDefault();
    run(client.request('alarms.shelve', { assetId: row.assetId, alarmKey: row.alarmKey, durationMs: shelveMs, reason: reason.trim() }), 'shelved');
  };

  return (
    <>
      <tr data-testid="alarm-row" data-asset={row.assetId} data-alarm={row.alarmKey} data-state={row.state} data-since-ms={row.activeSinceMs ?? undefined} style={{ fontWeight: unacked ? 700 : 400 }}>
        <td style={{ ...tdStyle, color: colour }}>
          <span aria-hidden style={{ display: 'inline-block', width: 10, height: 10, marginRight: 6, background: unacked ? colour : 'transparent', border: `2px solid ${colour}` }} />
          {row.priority}
        </td>
        <td style={tdStyle}>{row.assetId}</td>
        <td style={tdStyle}>{row.alarmKey}</td>
        <td style={tdStyle} data-testid="alarm-state">
          {row.state}
        </td>
        <td style={tdStyle}>{row.value === null ? '—' : row.value.toFixed(2)}</td>
        <td style={tdStyle}>{row.setpoint ?? '—'}</td>
        <td style={tdStyle}>{row.activeSinceMs === null ? '—' : clockTime(row.activeSinceMs)}</td>
        {actions ? (
          <td style={tdStyle}>
            <button type="button" onClick={() => setOpen(open === 'ack' ? null : 'ack')} disabled={!mayAct || !unacked} aria-expanded={open === 'ack'} aria-controls={`ack-${id}`} title={!mayAct ? 'operator role needed' : !unacked ? 'already acknowledged' : undefined} data-testid="alarm-ack-open">
              Acknowledge…
            </button>{' '}
            <button type="button" onClick={() => setOpen(open === 'shelve' ? null : 'shelve')} disabled={!mayAct} aria-expanded={open === 'shelve'} aria-controls={`shelve-${id}`} title={!mayAct ? 'operator role needed' : undefined} data-testid="alarm-shelve-open">
              Shelve…
            </button>
            {message ? (
              <div role="status" style={message.ok ? { color: HMI.muted, fontWeight: 400 } : errorStyle} data-testid="alarm-message">
                {message.text}
              </div>
            ) : null}
          </td>
        ) : (
          <td style={tdStyle}>{row.shelvedUntilMs === null ? '—' : clockTime(row.shelvedUntilMs)}</td>
        )}
      </tr>
      {open === 'ack' ? (
        <tr>
          <td colSpan={8} style={tdStyle}>
            <form id={`ack-${id}`} onSubmit={acknowledge} style={{ display: 'flex', gap: 8, alignItems: 'center' }} data-testid="alarm-ack-form">
              <label>
                Note (optional){' '}
                <input value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} autoFocus size={50} data-testid="alarm-ack-note" />
              </label>
              <button type="submit" disabled={busy} data-testid="alarm-ack-submit">
                Acknowledge {row.alarmKey} on {row.assetId}
              </button>
              <button type="button" onClick={() => setOpen(null)}>
                Cancel
              </button>
            </form>
          </td>
        </tr>
      ) : null}
      {open === 'shelve' ? (
        <tr>
          <td colSpan={8} style={tdStyle}>
            <form id={`shelve-${id}`} onSubmit={shelve} style={{ display: 'flex', gap: 8, alignItems: 'center', flexWrap: 'wrap' }} data-testid="alarm-shelve-form">
              <label>
                For{' '}
                <select value={shelveMs} onChange={(e) => setShelveMs(Number(e.target.value))} data-testid="alarm-shelve-duration">
                  {SHELVE_CHOICES.map(([l, ms]) => (
                    <option key={ms} value={ms}>
                      {l}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Reason{' '}
                <input value={reason} onChange={(e) => setReason(e.target.value)} required minLength={3} maxLength={500} autoFocus size={40} data-testid="alarm-shelve-reason" />
              </label>
              <button type="submit" disabled={busy || reason.trim().length < 3} data-testid="alarm-shelve-submit">
                Shelve {row.alarmKey} on {row.assetId}
              </button>
              <button type="button" onClick={() => setOpen(null)}>
                Cancel
              </button>
            </form>
          </td>
        </tr>
      ) : null}
    </>
  );
}
