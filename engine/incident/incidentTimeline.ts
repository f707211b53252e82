import type { AlarmEvent } from '../alarm/alarmTypes';
import type { Diagnosis } from '../contract/features';
import type { AuditRecord, AuditTrail } from '../store/AuditTrail';
import type { Repository } from '../store/Repository';
import type { ProtectionDetail, TripFrame } from '../store/records';
import type { WaveformSnapshot, WaveformSnapshotMeta } from './WaveformRecorder';

/** One moment of an incident, millisecond-ordered. */
export interface TimelineEntry {
  atMs: number;
  kind:
    | 'incident_opened'
    | 'level_changed'
    | 'trip_decided'
    | 'trip_commanded'
    | 'waveform_snapshot'
    | 'model_promoted'
    | 'operator_feedback'
    | 'alarm_state'
    | 'operator_action'
    | 'incident_closed';
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
  /** The protection-configuration version in force when it opened; null when not recorded. */
  configVersion: string | null;
  maxScore: number | null;
  diagnosis: Diagnosis | null;
  entries: TimelineEntry[];
  /** The tripping window's samples (the raw snapshot), if the incident tripped. */
  tripFrame: TripFrame | null;
  /**
   * The raw waveform before and after the incident opened and the trip, per channel, with samples
   * (the entries of kind `waveform_snapshot` carry their metadata and a `ref` into this list).
   */
  snapshots: WaveformSnapshot[];
}

/** How a timeline entry, the CSV and the HTML name one snapshot: `<channel>/<trigger>`. */
export const snapshotRef = (s: Pick<WaveformSnapshot, 'channelId' | 'trigger'>): string => `${s.channelId}/${s.trigger}`;

function snapshotEntry(s: WaveformSnapshot, modelVersion: string): TimelineEntry {
  const { samples, ...rest } = s;
  const meta: WaveformSnapshotMeta = { ...rest, sampleCount: samples.length };
  const secs = (samples: number): string => (samples / s.sampleRateHz).toFixed(2);
  const what = s.trigger === 'trip' ? 'the trip' : 'the first alert';
  return {
    atMs: s.triggerMs,
    kind: 'waveform_snapshot',
    text: `raw waveform of ${s.channelId} around ${what}: ${secs(s.preSamples)} s before, ${secs(samples.length - s.preSamples)} s after at ${s.sampleRateHz} Hz${s.complete ? '' : ' (cut short)'}; snapshot ${snapshotRef(s)}`,
    modelVersion,
    detail: { ref: snapshotRef(s), ...meta },
  };
}

/**
 * Assembles an incident's timeline from the store: alarm level changes of its asset while it was
 * open, trip decisions and commands with their latency and actuator, model promotions and operator
 * feedback in the period. Why a read model over the existing tables rather than a table of its own:
 * every entry is already recorded once, with its time; the timeline only orders and explains them.
 * Throws for an unknown incident id (a clear error, nothing half-built).
 */
export function incidentTimeline(repo: Repository, incidentId: string, audit: AuditTrail | null = null): IncidentTimeline {
  const inc = repo.getIncident(incidentId);
  if (!inc) throw new Error(`unknown incident ${incidentId}`);
  const toMs = inc.closedMs ?? Number.MAX_SAFE_INTEGER;
  const entries: TimelineEntry[] = [];
  const config = inc.configVersion === null ? '' : ` under configuration ${inc.configVersion}`;
  entries.push({ atMs: inc.openedMs, kind: 'incident_opened', text: `incident opened on ${inc.assetId}${config}`, modelVersion: inc.modelVersion, detail: { firstAlertMs: inc.firstAlertMs, configVersion: inc.configVersion } });
  for (const e of repo.listAlarmEvents({ assetId: inc.assetId, fromMs: inc.openedMs, toMs: toMs + 1, limit: 10_000 })) {
    entries.push({
      atMs: e.atMs,
      kind: 'level_changed',
      text: `${e.from} → ${e.to}: ${e.protection?.cause === 'reset' ? `latch reset (${e.source} now ${e.value.toFixed(3)})` : `${e.source} ${e.value.toFixed(3)} against setpoint ${e.setpoint}`}${groupText(e.protection)}`,
      modelVersion: e.modelVersion,
      detail: { from: e.from, to: e.to, source: e.source, value: e.value, setpoint: e.setpoint, diagnosis: e.diagnosis?.fault ?? null, protection: e.protection },
    });
  }
  for (const t of repo.listTripsForIncident(incidentId)) {
    const cause = t.protection?.cause === 'bypass-removed' ? ' when the bypass was removed' : '';
    const what = t.source === 'operator' ? 'emergency stop by an operator (who and why: the audit entry)' : `trip decided${cause}: ${t.source} ${t.value.toFixed(3)} ≥ danger ${t.setpoint}${groupText(t.protection)}`;
    entries.push({ atMs: t.decidedAtMs, kind: 'trip_decided', text: what, modelVersion: t.modelVersion, detail: { source: t.source, value: t.value, setpoint: t.setpoint, protection: t.protection } });
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
  for (const e of repo.journal.list({ assetId: inc.assetId, fromMs: inc.openedMs, toMs: toMs + 1, limit: 10_000 })) {
    entries.push({ atMs: e.atMs, kind: 'alarm_state', text: alarmText(e), modelVersion: null, detail: { alarmKey: e.alarmKey, type: e.type, stateAfter: e.stateAfter } });
  }
  for (const a of audit ? operatorActions(audit, inc.assetId, incidentId, inc.openedMs, toMs) : []) {
    const outcome = a.outcome === 'done' ? '' : ` — ${a.outcome}${a.refusal ? `: ${a.refusal}` : ''}`;
    entries.push({ atMs: a.atMs, kind: 'operator_action', text: `${a.actor} (${a.role ?? 'no role'}): ${a.action} ${a.target ?? ''}${a.reason ? ` (${a.reason})` : ''}${outcome}`, modelVersion: null, detail: { auditId: a.id, actor: a.actor, action: a.action, outcome: a.outcome } });
  }
  const snapshots = repo.snapshots.forIncident(incidentId);
  for (const s of snapshots) entries.push(snapshotEntry(s, inc.modelVersion));
  if (inc.closedMs !== null) entries.push({ atMs: inc.closedMs, kind: 'incident_closed', text: inc.summary ?? 'incident closed', modelVersion: inc.modelVersion, detail: {} });
  const order: Record<TimelineEntry['kind'], number> = {
    incident_opened: 0,
    level_changed: 1,
    trip_decided: 2,
    trip_commanded: 3,
    waveform_snapshot: 4,
    model_promoted: 5,
    operator_feedback: 6,
    alarm_state: 7,
    operator_action: 8,
    incident_closed: 9,
  };
  entries.sort((a, b) => a.atMs - b.atMs || order[a.kind] - order[b.kind]);
  return {
    incidentId,
    assetId: inc.assetId,
    openedMs: inc.openedMs,
    closedMs: inc.closedMs,
    modelVersion: inc.modelVersion,
    configVersion: inc.configVersion,
    maxScore: inc.maxScore,
    diagnosis: inc.diagnosis,
    entries,
    tripFrame: inc.tripFrame,
    snapshots,
  };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** JSON export: the timeline with ISO times beside epoch ms, and the raw samples as numbers. */
export function timelineToJson(t: IncidentTimeline): string {
  const frame = t.tripFrame ? { ...t.tripFrame, samples: Array.from(t.tripFrame.samples) } : null;
  const snapshots = t.snapshots.map((s) => ({ ref: snapshotRef(s), ...s, samples: Array.from(s.samples) }));
  return `${JSON.stringify({ ...t, entries: t.entries.map((e) => ({ at: iso(e.atMs), ...e })), tripFrame: frame, snapshots }, null, 2)}\n`;
}

/**
 * CSV export, one row per moment (RFC 4180 quoting), for a spreadsheet or a CMMS import. A waveform
 * snapshot is one row at its trigger time whose text names it (`snapshot <channel>/<trigger>`), the
 * `ref` of its samples in the JSON export: thousands of samples do not belong in a spreadsheet row.
 */
export function timelineToCsv(t: IncidentTimeline): string {
  const q = (v: unknown): string => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const rows = [['time', 'epoch_ms', 'kind', 'model_version', 'text'].join(',')];
  for (const e of t.entries) rows.push([iso(e.atMs), e.atMs, e.kind, e.modelVersion, e.text].map(q).join(','));
  return `${rows.join('\n')}\n`;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const SVG_WIDTH = 800;
const SVG_HEIGHT = 140;

/**
 * One snapshot as an inline SVG trace: per pixel column the minimum and maximum sample (so a spike
 * between columns still shows, which plain decimation would drop), the pre-trigger part shaded and
 * the trigger marked. Plain markup, no script, no xmlns URL: inline SVG in HTML needs none.
 */
function snapshotSvg(s: WaveformSnapshot): string {
  const n = s.samples.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of s.samples) {
    if (!Number.isFinite(v)) continue; // ±Infinity would flatten the scale; NaN has no place
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const label = `${s.channelId}, ${s.trigger === 'trip' ? 'trip' : 'first alert'} at ${iso(s.triggerMs)}`;
  if (lo > hi) return `<p>${esc(label)}: no samples to draw.</p>`;
  if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
  const y = (v: number): string => (((hi - v) / (hi - lo)) * (SVG_HEIGHT - 4) + 2).toFixed(1);
  const columns = Math.min(SVG_WIDTH, n);
  const points: string[] = [];
  for (let c = 0; c < columns; c++) {
    const from = Math.floor((c * n) / columns);
    const to = Math.max(from + 1, Math.floor(((c + 1) * n) / columns));
    let min = Infinity;
    let max = -Infinity;
    for (let i = from; i < to; i++) {
      const v = s.samples[i]!;
      if (!Number.isFinite(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (min > max) continue; // no finite sample in this column
    const x = ((c + 0.5) * (SVG_WIDTH / columns)).toFixed(1);
    points.push(`${x},${y(max)}`);
    if (min !== max) points.push(`${x},${y(min)}`);
  }
  const triggerX = ((s.preSamples / n) * SVG_WIDTH).toFixed(1);
  return `<figure><svg viewBox="0 0 ${SVG_WIDTH} ${SVG_HEIGHT}" width="100%" role="img" aria-label="${esc(label)}"><title>${esc(label)}</title>
<rect x="0" y="0" width="${triggerX}" height="${SVG_HEIGHT}" fill="#f2f2f2"/>
<polyline fill="none" stroke="#1f4e8c" stroke-width="1" points="${points.join(' ')}"/>
<line x1="${triggerX}" x2="${triggerX}" y1="0" y2="${SVG_HEIGHT}" stroke="#c00" stroke-width="1.5" stroke-dasharray="4 3"/>
<text x="${triggerX}" y="12" dx="4" font-size="11" fill="#c00">${s.trigger === 'trip' ? 'trip' : 'alert'}</text></svg>
<figcaption>${esc(label)}: ${(s.preSamples / s.sampleRateHz).toFixed(2)} s before, ${((n - s.preSamples) / s.sampleRateHz).toFixed(2)} s after, ${n} samples at ${s.sampleRateHz} Hz from ${esc(iso(s.startMs))}${s.shaftHz === null ? '' : `, shaft ${s.shaftHz.toFixed(2)} Hz`}; range ${lo.toPrecision(4)} … ${hi.toPrecision(4)}${s.complete ? '' : '; <b>cut short</b>'}. Samples in the JSON export as <code>${esc(snapshotRef(s))}</code>.</figcaption></figure>`;
}

/** Printable HTML report: self-contained (no scripts, no external resources), escaped text, inline SVG traces. */
export function timelineToHtml(t: IncidentTimeline): string {
  const rows = t.entries.map((e) => `<tr><td>${esc(iso(e.atMs))}</td><td>${esc(e.kind.replace(/_/g, ' '))}</td><td>${esc(e.text)}</td><td><code>${esc(e.modelVersion ?? '')}</code></td></tr>`).join('\n');
  const evidence = (t.diagnosis?.evidence ?? []).slice(0, 5).map((ev) => `<li>${esc(ev.feature)}${ev.freqHz ? ` at ${ev.freqHz.toFixed(1)} Hz` : ''}: ${ev.ratio.toFixed(2)}× baseline</li>`).join('');
  const frame = t.tripFrame ? `<p>Raw window that tripped: ${t.tripFrame.samples.length} samples at ${t.tripFrame.sampleRateHz} Hz from ${esc(iso(t.tripFrame.startMs))} (channel ${esc(t.tripFrame.channelId)}); in the JSON export.</p>` : '<p>No trip: no raw window stored.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Incident ${esc(t.incidentId)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;padding:4px;text-align:left;vertical-align:top}code{font-size:12px}@media print{body{margin:0}}</style></head>
<body><h1>Incident ${esc(t.incidentId)}</h1>
<p>Asset <b>${esc(t.assetId)}</b>, opened ${esc(iso(t.openedMs))}${t.closedMs !== null ? `, closed ${esc(iso(t.closedMs))}` : ', still open'}. Model <code>${esc(t.modelVersion)}</code>. Configuration <code>${esc(t.configVersion ?? 'not recorded')}</code>. Highest score ${t.maxScore === null ? '—' : t.maxScore.toFixed(2)}.</p>
<h2>Diagnosis</h2><p>${esc(t.diagnosis?.fault ?? 'none')}${t.diagnosis ? ` (confidence ${t.diagnosis.confidence.toFixed(2)})` : ''}</p><ul>${evidence}</ul>
<h2>Timeline</h2><table><thead><tr><th>Time (UTC)</th><th>What</th><th>Detail</th><th>Model</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>Snapshot</h2>${frame}
<h2>Raw waveforms</h2>${t.snapshots.length === 0 ? '<p>No waveform snapshots stored.</p>' : t.snapshots.map(snapshotSvg).join('\n')}
</body></html>
`;
}

/** Audited actions of people on the incident's asset (its alarms, latch, bypass, setpoints, models) or on the incident itself, while it was open. */
function operatorActions(audit: AuditTrail, assetId: string, incidentId: string, fromMs: number, toMs: number): AuditRecord[] {
  const rows = audit.list({ fromMs, toMs: toMs === Number.MAX_SAFE_INTEGER ? toMs : toMs + 1, limit: 10_000 });
  // Alarm acknowledgements and shelves are in the alarm journal already (alarm_state entries).
  return rows.filter((r) => !r.action.startsWith('alarm.') || r.action === 'alarm.feedback').filter((r) => r.target === assetId || r.target === incidentId || (r.target ?? '').startsWith(`${assetId}/`));
}

/** One line for an alarm journal event. */
function alarmText(e: AlarmEvent): string {
  const who = 'by' in e && e.by ? ` by ${e.by}` : '';
  switch (e.type) {
    case 'AlarmActivated':
      return `alarm ${e.alarmKey} (${e.priority}) activated: ${e.value.toFixed(3)} ≥ ${e.setpoint} → ${e.stateAfter}`;
    case 'AlarmAcknowledged':
      return `alarm ${e.alarmKey} acknowledged${who}${e.note ? `: ${e.note}` : ''}`;
    case 'AlarmShelved':
      return `alarm ${e.alarmKey} shelved${who} until ${new Date(e.untilMs).toISOString()}: ${e.reason}`;
    case 'CommandRefused':
      return `alarm ${e.alarmKey}: ${e.command}${who} refused: ${e.reason}`;
    case 'AlarmSuppressed':
    case 'AlarmUnsuppressed':
    case 'AlarmRemovedFromService':
    case 'AlarmReturnedToService':
      return `alarm ${e.alarmKey} ${e.type.replace(/^Alarm/, '').replace(/([A-Z])/g, ' $1').trim().toLowerCase()}${who}: ${e.reason} → ${e.stateAfter}`;
    default:
      return `alarm ${e.alarmKey} ${e.type.replace(/^Alarm/, '').replace(/([A-Z])/g, ' $1').trim().toLowerCase()} → ${e.stateAfter}`;
  }
}

/** ' — group velocity on de_accel (faulted: fe_accel), configuration cfg-…' for a voted-protection record. */
function groupText(p: ProtectionDetail | null): string {
  if (!p) return '';
  const on = p.channelIds.length > 0 ? ` on ${p.channelIds.join(', ')}` : '';
  const faulted = p.faultedChannelIds.length > 0 ? ` (faulted, voting as tripped: ${p.faultedChannelIds.join(', ')})` : '';
  return ` — group ${p.groupId}${on}${faulted}${p.configVersion ? `, configuration ${p.configVersion}` : ''}`;
}
