import type { IncidentExport, IncidentExportFormat, SnapshotSeries } from '../contract/incidents';
import type { AuditTrail } from '../store/AuditTrail';
import type { Repository } from '../store/Repository';
import { incidentTimeline, snapshotRef, timelineToHtml, type IncidentTimeline } from './incidentTimeline';
import { seriesOf, type Reviewed } from './snapshotSeries';

/**
 * The timeline without raw samples: a waveform snapshot may hold 2^23 of them, far too many for
 * one reply. Counts stay; the samples are in the incident export (`vigil incident --format json`).
 */
export function timelineWithoutSamples(t: IncidentTimeline): unknown {
  const { tripFrame, snapshots, ...rest } = t;
  const frame = tripFrame && (({ samples, ...meta }) => ({ ...meta, sampleCount: samples.length }))(tripFrame);
  return { ...rest, tripFrame: frame, snapshots: snapshots.map(({ samples, ...meta }) => ({ ...meta, sampleCount: samples.length })) };
}

/** A file name that is safe on every desktop: the incident id with anything unusual replaced. */
const fileNameOf = (incidentId: string, ext: string): string => `incident-${incidentId.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120)}.${ext}`;

/**
 * `incidents.export`: the incident as a file a browser saves. `html` is the CLI's printable report
 * (`timelineToHtml`: self-contained, no script, inline SVG traces); `json` is the timeline with
 * each snapshot min/max-decimated to 2000 points with their times, beside the stored score, so
 * the file stays small where the CLI's JSON carries every raw sample. not_found for an unknown id.
 */
export function incidentExport(repo: Repository, audit: AuditTrail | null, incidentId: string, format: IncidentExportFormat): Reviewed<IncidentExport> {
  if (!repo.getIncident(incidentId)) return { ok: false, code: 'not_found', message: `unknown incident ${incidentId}` };
  const t = incidentTimeline(repo, incidentId, audit);
  if (format === 'html') return { ok: true, value: { fileName: fileNameOf(incidentId, 'html'), mediaType: 'text/html', text: timelineToHtml(t) } };
  const snapshots: Array<SnapshotSeries & { ref: string }> = [];
  for (const s of t.snapshots) {
    const series = seriesOf(repo, s, {}, t.configVersion);
    if (series.ok) snapshots.push({ ref: snapshotRef(s), ...series.value });
  }
  const body = { incident: timelineWithoutSamples(t), snapshots, note: 'snapshots are min/max-decimated (every column keeps its smallest and largest sample); `vigil incident --format json` exports every raw sample' };
  return { ok: true, value: { fileName: fileNameOf(incidentId, 'json'), mediaType: 'application/json', text: `${JSON.stringify(body, null, 2)}\n` } };
}
