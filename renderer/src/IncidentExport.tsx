import type React from 'react';
import { useState } from 'react';
import { IncidentExportSchema, type IncidentExport, type IncidentExportFormat } from '../../engine/contract';
import { parseValue } from './shapes';
import { useSession } from './session';
import { messageOf } from './useRequest';
import { HMI, errorStyle } from './theme';

/** How long the object URL of a saved file lives: the browser has started the download well before. */
const URL_LIFETIME_MS = 60_000;

/**
 * Hands a file to the browser's download: a Blob behind an `<a download>` that is clicked once.
 * No inline script and no data: URL, so the console's Content-Security-Policy allows it (a
 * download is not a fetch; blob: URLs are same-origin).
 */
export function saveFile(file: IncidentExport): void {
  const url = URL.createObjectURL(new Blob([file.text], { type: `${file.mediaType};charset=utf-8` }));
  const a = document.createElement('a');
  a.href = url;
  a.download = file.fileName;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), URL_LIFETIME_MS);
}

const FORMAT_LABEL: Record<IncidentExportFormat, string> = { html: 'Export report (HTML)', json: 'Export data (JSON)' };

/**
 * The incident as a file: the printable report the `vigil incident` command writes (HTML with the
 * waveforms as inline SVG), or JSON with the timeline and the snapshots decimated to 2000 points.
 */
export function IncidentExportButtons({ incidentId }: { incidentId: string }): React.JSX.Element {
  const { client } = useSession();
  const [busy, setBusy] = useState<IncidentExportFormat | null>(null);
  const [note, setNote] = useState<{ error: boolean; text: string } | null>(null);
  const run = async (format: IncidentExportFormat): Promise<void> => {
    setBusy(format);
    setNote(null);
    try {
      const file = parseValue(IncidentExportSchema, await client.request('incidents.export', { incidentId, format }), 'incident export');
      saveFile(file);
      setNote({ error: false, text: `${file.fileName} (${Math.round(file.text.length / 1024)} KB) handed to the browser` });
    } catch (err) {
      setNote({ error: true, text: `export failed: ${messageOf(err)}` });
    } finally {
      setBusy(null);
    }
  };
  return (
    <span role="group" aria-label="Export" style={{ display: 'inline-flex', gap: 6, alignItems: 'center', fontSize: 13, fontWeight: 400 }}>
      {(['html', 'json'] as const).map((f) => (
        <button key={f} type="button" disabled={busy !== null} onClick={() => void run(f)} data-testid={`export-${f}`}>
          {busy === f ? 'Exporting…' : FORMAT_LABEL[f]}
        </button>
      ))}
      {note ? (
        <span data-testid="export-note" role={note.error ? 'alert' : 'status'} style={note.error ? errorStyle : { color: HMI.muted }}>
          {note.text}
        </span>
      ) : null}
    </span>
  );
}
