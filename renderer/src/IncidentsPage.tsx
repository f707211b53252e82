import type React from 'react';
import { useState } from 'react';
import { z } from 'zod';
import { IncidentExportButtons } from './IncidentExport';
import { IncidentReview } from './IncidentReview';
import { IncidentSummarySchema, IncidentTimelineSchema, parseValue, type IncidentSummary, type IncidentTimeline } from './shapes';
import { useSession } from './session';
import { useRequest } from './useRequest';
import { HMI, clockTime, dateTime, errorStyle, panelStyle, tableStyle, tdStyle } from './theme';
import { TableHead } from './TableHead';

const LIST_POLL_MS = 5000;
/** An open incident still grows (the trip, the post-trigger waveform): its timeline is read again at this rate. */
const OPEN_TIMELINE_POLL_MS = 10_000;

/** Colour of a timeline entry: only the moments that were abnormal. */
function entryColour(kind: string, text: string): string {
  if (kind === 'trip_decided' || kind === 'trip_commanded' || /→ danger/.test(text)) return HMI.danger;
  if (/→ alert/.test(text)) return HMI.alert;
  return HMI.text;
}

/**
 * Incident review: every incident, newest first; selecting one shows its moments in order (first
 * alert, danger, trip, command with latency, operator actions), a cursor to scrub through it with
 * the raw waveform, spectrum and score at each moment, and its export as a file.
 */
export function IncidentsPage(): React.JSX.Element {
  const { client } = useSession();
  const [selected, setSelected] = useState<string | null>(null);
  const list = useRequest(async () => parseValue(z.array(IncidentSummarySchema), await client.request('incidents.list', {}), 'incident list'), 'incidents', LIST_POLL_MS);
  const incidents = [...(list.value ?? [])].sort((a, b) => b.openedMs - a.openedMs);
  const current = incidents.find((i) => i.id === selected) ?? null;
  return (
    <section style={{ padding: '0 16px' }} aria-labelledby="incidents-title">
      <h1 id="incidents-title" style={{ fontSize: 22 }}>
        Incidents
      </h1>
      {list.error ? <p role="alert" style={errorStyle}>{list.error}</p> : null}
      <div style={panelStyle}>
        {incidents.length === 0 ? (
          <p style={{ color: HMI.muted }} data-testid="incidents-none">
            {list.value === null ? 'Loading…' : 'No incidents recorded.'}
          </p>
        ) : (
          <IncidentList incidents={incidents} selected={selected} onSelect={setSelected} />
        )}
      </div>
      {selected ? <TimelineView key={selected} incidentId={selected} open={current?.closedMs === null} /> : null}
    </section>
  );
}

function IncidentList({ incidents, selected, onSelect }: { incidents: IncidentSummary[]; selected: string | null; onSelect: (id: string) => void }): React.JSX.Element {
  return (
    <table style={tableStyle} data-testid="incidents-table">
      <TableHead labels={['Opened', 'Machine', 'First alert', 'Trip', 'Diagnosis', 'Max score', 'Summary', '']} />
      <tbody>
        {incidents.map((i) => (
          <tr key={i.id} data-testid="incident-row" data-incident={i.id} data-asset={i.assetId} aria-selected={i.id === selected} style={{ background: i.id === selected ? '#cfcfcf' : undefined }}>
            <td style={tdStyle}>{dateTime(i.openedMs)}</td>
            <td style={tdStyle}>{i.assetId}</td>
            <td style={tdStyle}>{i.firstAlertMs === null ? '—' : clockTime(i.firstAlertMs)}</td>
            <td style={{ ...tdStyle, color: i.tripMs === null ? HMI.text : HMI.danger }}>{i.tripMs === null ? '—' : clockTime(i.tripMs)}</td>
            <td style={tdStyle}>{i.diagnosis ? `${i.diagnosis.fault} (${i.diagnosis.confidence.toFixed(2)})` : '—'}</td>
            <td style={tdStyle}>{i.maxScore === null ? '—' : i.maxScore.toFixed(2)}</td>
            <td style={tdStyle}>{i.summary ?? (i.closedMs === null ? 'open' : '')}</td>
            <td style={tdStyle}>
              <button type="button" onClick={() => onSelect(i.id)} aria-pressed={i.id === selected} data-testid="incident-open">
                Timeline
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function TimelineView({ incidentId, open }: { incidentId: string; open: boolean }): React.JSX.Element {
  const { client } = useSession();
  const t = useRequest<IncidentTimeline>(async () => parseValue(IncidentTimelineSchema, await client.request('incidents.timeline', { incidentId }), 'incident timeline'), incidentId, open ? OPEN_TIMELINE_POLL_MS : undefined);
  const tl = t.value;
  return (
    <div style={panelStyle} data-testid="incident-timeline" aria-labelledby="timeline-title">
      <h2 id="timeline-title" style={{ fontSize: 16, marginTop: 0, display: 'flex', flexWrap: 'wrap', gap: 8, alignItems: 'center' }}>
        <span>
          Incident {incidentId}
          {tl ? ` — ${tl.assetId}, model ${tl.modelVersion}${tl.diagnosis ? `, ${tl.diagnosis.fault}` : ''}` : ''}
        </span>
        <button type="button" onClick={t.reload} disabled={t.loading} data-testid="timeline-refresh">
          Refresh
        </button>
        <IncidentExportButtons incidentId={incidentId} />
      </h2>
      {t.error ? <p role="alert" style={errorStyle}>{t.error}</p> : null}
      {!tl ? (
        <p style={{ color: HMI.muted }}>Loading…</p>
      ) : (
        <>
          <ol style={{ paddingLeft: 20, fontSize: 14 }} data-testid="timeline-entries">
            {tl.entries.map((e, i) => (
              <li key={i} data-testid="timeline-entry" data-kind={e.kind} style={{ color: entryColour(e.kind, e.text), marginBottom: 2 }}>
                <span style={{ fontVariantNumeric: 'tabular-nums' }}>{clockTime(e.atMs)}.{String(Math.floor(e.atMs) % 1000).padStart(3, '0')}</span> <b>{e.kind.replace(/_/g, ' ')}</b> — {e.text}
              </li>
            ))}
          </ol>
          <IncidentReview timeline={tl} />
        </>
      )}
    </div>
  );
}
