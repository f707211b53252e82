import type { Diagnosis } from '../contract/features';
import type { Repository } from '../store/Repository';
import type { TripFrame } from '../store/records';

/** One moment of an incident, millisecond-ordered. */
export interface TimelineEntry {
  atMs: number;
  kind: 'incident_opened' | 'level_changed' | 'trip_decided' | 'trip_commanded' | 'model_promoted' | 'operator_feedback' | 'incident_closed';
  /** One line a reviewer reads. */
  text: string;
  /** The model version in force at that moment (every score, alarm and trip carries one). */
  modelVersion: string | null;
  detail: Record<string, unknown>;
}

/** The whole record of one incident: its moments, the diagnosis, and the raw window that tripped. */
export interface IncidentTimeline {
  incidentId: string;
  assetId: string;
  openedMs: number;
  closedMs: number | null;
  modelVersion: string;
  maxScore: number | null;
  diagnosis: Diagnosis | null;
  entries: TimelineEntry[];
  /** The tripping window's samples (the raw snapshot), if the incident tripped. */
  tripFrame: TripFrame | null;
}

/**
 * Assembles an incident's timeline from the store: alarm level changes of its asset while it was
 * open, trip decisions and commands with their latency and actuator, model promotions and operator
 * feedback in the period. Why a read model over the existing tables rather than a table of its own:
 * every entry is already recorded once, with its time; the timeline only orders and explains them.
 * Throws for an unknown incident id (a clear error, nothing half-built).
 */
export function incidentTimeline(repo: Repository, incidentId: string): IncidentTimeline {
  const inc = repo.getIncident(incidentId);
  if (!inc) throw new Error(`unknown incident ${incidentId}`);
  const toMs = inc.closedMs ?? Number.MAX_SAFE_INTEGER;
  const entries: TimelineEntry[] = [];
  entries.push({ atMs: inc.openedMs, kind: 'incident_opened', text: `incident opened on ${inc.assetId}`, modelVersion: inc.modelVersion, detail: { firstAlertMs: inc.firstAlertMs } });
  for (const e of repo.listAlarmEvents({ assetId: inc.assetId, fromMs: inc.openedMs, toMs: toMs + 1, limit: 10_000 })) {
    entries.push({
      atMs: e.atMs,
      kind: 'level_changed',
      text: `${e.from} → ${e.to}: ${e.source} ${e.value.toFixed(3)} against setpoint ${e.setpoint}`,
      modelVersion: e.modelVersion,
      detail: { from: e.from, to: e.to, source: e.source, value: e.value, setpoint: e.setpoint, diagnosis: e.diagnosis?.fault ?? null },
    });
  }
  for (const t of repo.listTripsForIncident(incidentId)) {
    entries.push({ atMs: t.decidedAtMs, kind: 'trip_decided', text: `trip decided: ${t.source} ${t.value.toFixed(3)} ≥ danger ${t.setpoint}`, modelVersion: t.modelVersion, detail: { source: t.source, value: t.value, setpoint: t.setpoint } });
    entries.push({ atMs: t.commandedAtMs, kind: 'trip_commanded', text: `trip command sent to ${t.actuator}, ${(t.latencyUs / 1000).toFixed(2)} ms after the frame arrived`, modelVersion: t.modelVersion, detail: { actuator: t.actuator, latencyUs: t.latencyUs } });
  }
  for (const p of repo.models.listPromotions(inc.assetId)) {
    if (p.atMs < inc.openedMs || p.atMs > toMs) continue;
    entries.push({ atMs: p.atMs, kind: 'model_promoted', text: `model ${p.kind}: ${p.fromVersion ?? '—'} → ${p.toVersion} by ${p.by}${p.reason ? ` (${p.reason})` : ''}`, modelVersion: p.toVersion, detail: { channelId: p.channelId, kind: p.kind, by: p.by } });
  }
  for (const ch of new Set(repo.models.listPromotions(inc.assetId).map((p) => p.channelId))) {
    for (const f of repo.models.listFeedback(inc.assetId, ch)) {
      if (f.incidentId !== incidentId) continue;
      entries.push({ atMs: f.atMs, kind: 'operator_feedback', text: `${f.by} marked it ${f.verdict === 'false_alarm' ? 'a false alarm' : 'a confirmed fault'}${f.note ? `: ${f.note}` : ''}`, modelVersion: f.modelVersion, detail: { verdict: f.verdict, by: f.by, windows: f.windows } });
    }
  }
  if (inc.closedMs !== null) entries.push({ atMs: inc.closedMs, kind: 'incident_closed', text: inc.summary ?? 'incident closed', modelVersion: inc.modelVersion, detail: {} });
  const order: Record<TimelineEntry['kind'], number> = { incident_opened: 0, level_changed: 1, trip_decided: 2, trip_commanded: 3, model_promoted: 4, operator_feedback: 5, incident_closed: 6 };
  entries.sort((a, b) => a.atMs - b.atMs || order[a.kind] - order[b.kind]);
  return { incidentId, assetId: inc.assetId, openedMs: inc.openedMs, closedMs: inc.closedMs, modelVersion: inc.modelVersion, maxScore: inc.maxScore, diagnosis: inc.diagnosis, entries, tripFrame: inc.tripFrame };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** JSON export: the timeline with ISO times beside epoch ms, and the raw snapshot as numbers. */
export function timelineToJson(t: IncidentTimeline): string {
  const frame = t.tripFrame ? { ...t.tripFrame, samples: Array.from(t.tripFrame.samples) } : null;
  return `${JSON.stringify({ ...t, entries: t.entries.map((e) => ({ at: iso(e.atMs), ...e })), tripFrame: frame }, null, 2)}\n`;
}

/** CSV export, one row per moment (RFC 4180 quoting), for a spreadsheet or a CMMS import. */
export function timelineToCsv(t: IncidentTimeline): string {
  const q = (v: unknown): string => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const rows = [['time', 'epoch_ms', 'kind', 'model_version', 'text'].join(',')];
  for (const e of t.entries) rows.push([iso(e.atMs), e.atMs, e.kind, e.modelVersion, e.text].map(q).join(','));
  return `${rows.join('\n')}\n`;
}

/** Printable HTML report: self-contained (no scripts, no external resources), escaped text. */
export function timelineToHtml(t: IncidentTimeline): string {
  const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const rows = t.entries.map((e) => `<tr><td>${esc(iso(e.atMs))}</td><td>${esc(e.kind.replace(/_/g, ' '))}</td><td>${esc(e.text)}</td><td><code>${esc(e.modelVersion ?? '')}</code></td></tr>`).join('\n');
  const evidence = (t.diagnosis?.evidence ?? []).slice(0, 5).map((ev) => `<li>${esc(ev.feature)}${ev.freqHz ? ` at ${ev.freqHz.toFixed(1)} Hz` : ''}: ${ev.ratio.toFixed(2)}× baseline</li>`).join('');
  const frame = t.tripFrame ? `<p>Raw window that tripped: ${t.tripFrame.samples.length} samples at ${t.tripFrame.sampleRateHz} Hz from ${esc(iso(t.tripFrame.startMs))} (channel ${esc(t.tripFrame.channelId)}); in the JSON export.</p>` : '<p>No trip: no raw window stored.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Incident ${esc(t.incidentId)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;padding:4px;text-align:left;vertical-align:top}code{font-size:12px}@media print{body{margin:0}}</style></head>
<body><h1>Incident ${esc(t.incidentId)}</h1>
<p>Asset <b>${esc(t.assetId)}</b>, opened ${esc(iso(t.openedMs))}${t.closedMs !== null ? `, closed ${esc(iso(t.closedMs))}` : ', still open'}. Model <code>${esc(t.modelVersion)}</code>. Highest score ${t.maxScore === null ? '—' : t.maxScore.toFixed(2)}.</p>
<h2>Diagnosis</h2><p>${esc(t.diagnosis?.fault ?? 'none')}${t.diagnosis ? ` (confidence ${t.diagnosis.confidence.toFixed(2)})` : ''}</p><ul>${evidence}</ul>
<h2>Timeline</h2><table><thead><tr><th>Time (UTC)</th><th>What</th><th>Detail</th><th>Model</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>Snapshot</h2>${frame}
</body></html>
`;
}
