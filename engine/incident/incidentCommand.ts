import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { openDatabase } from '../store/openDatabase';
import { AuditTrail } from '../store/AuditTrail';
import { Repository } from '../store/Repository';
import { incidentTimeline, timelineToCsv, timelineToHtml, timelineToJson } from './incidentTimeline';

/** Options of `vigil incident`. */
export interface IncidentCommandOptions {
  db: string;
  /** Export this incident; without it, list the newest incidents. */
  id?: string;
  format?: 'json' | 'csv' | 'html';
  /** Write the export here instead of standard output. */
  out?: string;
  assetId?: string;
}

/**
 * `vigil incident --db FILE [--id ID --format json|csv|html --out FILE]`: lists incidents, or exports
 * one as a timeline. Why a command before the console's incident page exists: an engineer needs the
 * record of a trip (for the shift report, the CMMS, the insurer) from the database alone. The database
 * must exist; it is opened, not created.
 */
export async function incidentCommand(o: IncidentCommandOptions, print: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  if (!existsSync(o.db)) throw new Error(`no database at ${o.db}`);
  const { db } = openDatabase(o.db);
  try {
    const repo = new Repository(db);
    if (!o.id) {
      const rows = repo.listIncidents({ ...(o.assetId ? { assetId: o.assetId } : {}), limit: 50 });
      for (const i of rows) print(`${i.id}\t${i.assetId}\t${new Date(i.openedMs).toISOString()}\t${i.tripMs !== null ? 'tripped' : 'alarm'}\t${i.diagnosis?.fault ?? '-'}\t${i.summary ?? ''}\n`);
      if (rows.length === 0) print('no incidents\n');
      return 0;
    }
    const t = incidentTimeline(repo, o.id, new AuditTrail(db));
    const format = o.format ?? 'json';
    const text = format === 'csv' ? timelineToCsv(t) : format === 'html' ? timelineToHtml(t) : timelineToJson(t);
    if (o.out) await writeFile(o.out, text);
    else print(text);
    return 0;
  } finally {
    db.close();
  }
}
