import type React from 'react';
import { useState } from 'react';
import { AuditListSchema, parseValue } from './shapes';
import { useSession } from './session';
import { useRequest } from './useRequest';
import { HMI, dateTime, errorStyle, panelStyle, tableStyle, tdStyle } from './theme';
import { TableHead } from './TableHead';

const AUDIT_POLL_MS = 5000;
const LIMIT = 200;

/**
 * The audit trail, newest first: who did what to which machine, when, why, and whether it was
 * done, refused or failed (refusals in colour: they are what a reviewer looks for). A filter on
 * the action narrows it (e.g. `setpoint` for threshold changes).
 */
export function AuditPage(): React.JSX.Element {
  const { client } = useSession();
  const [filter, setFilter] = useState('');
  const audit = useRequest(async () => parseValue(AuditListSchema, await client.request('audit.list', { limit: LIMIT }), 'audit trail'), 'audit', AUDIT_POLL_MS);
  const f = filter.trim().toLowerCase();
  const rows = [...(audit.value ?? [])]
    .sort((a, b) => b.atMs - a.atMs || b.id - a.id)
    .filter((r) => !f || `${r.action} ${r.actor} ${r.target ?? ''} ${r.reason ?? ''}`.toLowerCase().includes(f));
  return (
    <section style={{ padding: '0 16px' }} aria-labelledby="audit-title">
      <h1 id="audit-title" style={{ fontSize: 22 }}>
        Audit trail
      </h1>
      <label>
        Filter{' '}
        <input value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="action, user, machine or reason" size={40} data-testid="audit-filter" />
      </label>
      {audit.error ? <p role="alert" style={errorStyle}>{audit.error}</p> : null}
      <div style={{ ...panelStyle, marginTop: 8 }}>
        <table style={tableStyle} data-testid="audit-table">
          <TableHead labels={['When', 'Who', 'Role', 'Action', 'Target', 'Reason', 'Outcome']} />
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} data-testid="audit-row" data-action={r.action} data-outcome={r.outcome}>
                <td style={tdStyle}>{dateTime(r.atMs)}</td>
                <td style={tdStyle}>{r.actor}</td>
                <td style={tdStyle}>{r.role ?? '—'}</td>
                <td style={tdStyle}>{r.action}</td>
                <td style={tdStyle}>{r.target ?? '—'}</td>
                <td style={tdStyle}>{r.reason ?? ''}</td>
                <td style={{ ...tdStyle, color: r.outcome === 'done' ? HMI.text : HMI.alert }}>
                  {r.outcome}
                  {r.refusal ? `: ${r.refusal}` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
