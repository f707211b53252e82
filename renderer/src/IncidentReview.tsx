import type React from 'react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { IncidentMomentSchema, SnapshotSeriesSchema, type IncidentMoment, type SnapshotSeries } from '../../engine/contract';
import type { ConsoleClient } from './consoleClient';
import { LatestOnly, type LatestStats } from './latestOnly';
import { MomentView } from './MomentView';
import { OverviewStrip, pointsFor } from './OverviewStrip';
import { clockTimeMs, incidentMarkers, keyStep, relativeTo, scrubRange, snapshotSpans, type Marker } from './reviewModel';
import { parseValue, type IncidentTimeline } from './shapes';
import { useSession } from './session';
import { messageOf, useRequest } from './useRequest';
import { HMI } from './theme';

/** Quiet time before a moment is asked for, and the longest a drag waits for one. */
const MOMENT_DEBOUNCE_MS = 40;
const MOMENT_MAX_WAIT_MS = 200;
/** Step of one key press before the first moment says how long a window is. */
const DEFAULT_STEP_MS = 100;

const MARKER_STYLE: Record<Marker['kind'], React.CSSProperties> = {
  alert: { borderColor: HMI.alert, color: HMI.alert },
  danger: { borderColor: HMI.danger, color: HMI.danger },
  trip: { borderColor: HMI.danger, color: HMI.danger, fontWeight: 700 },
};

/** The moment at the cursor: one request in flight, the newest position wins. */
function useMoment(client: ConsoleClient, incidentId: string, channelId: string | null, atMs: number) {
  const [moment, setMoment] = useState<IncidentMoment | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [stats, setStats] = useState<LatestStats>({ asked: 0, sent: 0 });
  const latest = useRef<LatestOnly<number, IncidentMoment> | null>(null);

  useEffect(() => {
    const ask = async (at: number): Promise<IncidentMoment> =>
      parseValue(IncidentMomentSchema, await client.request('incidents.moment', { incidentId, atMs: at, ...(channelId === null ? {} : { channelId }) }), 'incident moment');
    const l = new LatestOnly(ask, (o) => {
      if (o.ok) {
        setMoment(o.value);
        setError(null);
      } else setError(messageOf(o.error));
      setBusy(l.busy);
      setStats(l.stats());
    }, { debounceMs: MOMENT_DEBOUNCE_MS, maxWaitMs: MOMENT_MAX_WAIT_MS });
    latest.current = l;
    return () => {
      l.dispose();
      latest.current = null;
    };
  }, [client, incidentId, channelId]);

  useEffect(() => {
    const l = latest.current;
    if (!l) return;
    l.request(atMs);
    setBusy(true);
    setStats(l.stats());
  }, [atMs, incidentId, channelId]);

  return { moment, error, busy, stats };
}

/**
 * Incident review you can scrub through: a cursor over the stretch the incident's snapshots cover
 * (a range input: arrows step one window, PageUp/PageDown ten, Home/End to the ends; buttons jump
 * to the first alert, danger and trip), the overview of every snapshot with the stored score and
 * the cursor, and at the cursor the raw waveform, its spectrum and the score with its levels.
 */
export function IncidentReview({ timeline }: { timeline: IncidentTimeline }): React.JSX.Element {
  const { client } = useSession();
  const spans = useMemo(() => snapshotSpans(timeline.snapshots), [timeline.snapshots]);
  const markers = useMemo(() => incidentMarkers(timeline.entries), [timeline.entries]);
  const channels = useMemo(() => [...new Set(spans.map((s) => s.channelId))], [spans]);
  const [chosen, setChosen] = useState<string | null>(null);
  const channelId = chosen !== null && channels.includes(chosen) ? chosen : (channels[0] ?? null);
  const mine = useMemo(() => spans.filter((s) => s.channelId === channelId), [spans, channelId]);
  const range = useMemo(() => scrubRange(mine, markers, timeline.openedMs), [mine, markers, timeline.openedMs]);
  const [cursor, setCursor] = useState<number | null>(null);
  const atMs = Math.min(range.toMs, Math.max(range.fromMs, cursor ?? markers.find((m) => m.kind === 'trip')?.atMs ?? markers[0]?.atMs ?? range.fromMs));
  const { moment, error, busy, stats } = useMoment(client, timeline.incidentId, channelId, atMs);
  // One window, as the last moment with a waveform said; kept where none was recorded, so a key press always moves as far.
  const [stepMs, setStepMs] = useState(DEFAULT_STEP_MS);
  useEffect(() => {
    if (moment?.waveform) setStepMs((moment.waveform.values.length * 1000) / moment.waveform.sampleRateHz);
  }, [moment]);

  // The overview: each snapshot of the channel decimated to two points per pixel column it takes.
  const signature = mine.map((s) => `${s.trigger}:${s.sampleCount}:${s.complete}`).join(',');
  const overview = useRequest<SnapshotSeries[]>(
    () =>
      Promise.all(
        mine.map(async (s) => {
          const maxPoints = pointsFor((s.endMs - s.startMs) / Math.max(1, range.toMs - range.fromMs));
          const v = await client.request('incidents.snapshot', { incidentId: timeline.incidentId, channelId: s.channelId, trigger: s.trigger, maxPoints });
          return parseValue(SnapshotSeriesSchema, v, 'snapshot series');
        }),
      ),
    `${timeline.incidentId}/${channelId ?? ''}/${signature}`,
  );

  const onKeyDown = (e: React.KeyboardEvent<HTMLInputElement>): void => {
    const next = keyStep(e.key, atMs, stepMs, range);
    if (next === null) return;
    e.preventDefault();
    setCursor(next);
  };

  return (
    <section aria-labelledby="review-title" data-testid="incident-review">
      <h3 id="review-title" style={{ fontSize: 15, marginBottom: 4 }}>
        Review{channelId ? ` — ${channelId}` : ''}
      </h3>
      {spans.length === 0 ? (
        <p style={{ color: HMI.muted, fontSize: 13 }} data-testid="waveform-none">
          No waveform snapshot stored{timeline.closedMs === null ? ' yet' : ''}: the cursor still reads the stored score and level.
        </p>
      ) : null}
      {channels.length > 1 ? (
        <div role="group" aria-label="Channel" style={{ marginBottom: 6 }}>
          {channels.map((c) => (
            <button key={c} type="button" aria-pressed={c === channelId} onClick={() => setChosen(c)} style={{ marginRight: 6 }} data-testid="channel-choose">
              {c}
            </button>
          ))}
        </div>
      ) : null}
      <div role="group" aria-label="Jump to" style={{ display: 'flex', gap: 6, alignItems: 'center', marginBottom: 6, fontSize: 13 }}>
        <span style={{ color: HMI.muted }}>Jump to</span>
        {markers.map((m) => (
          <button key={m.kind} type="button" onClick={() => setCursor(m.atMs)} data-testid={`jump-${m.kind}`} style={{ border: '1px solid', background: HMI.panel, ...MARKER_STYLE[m.kind] }}>
            {m.label} {clockTimeMs(m.atMs)}
          </button>
        ))}
        {markers.length === 0 ? <span style={{ color: HMI.muted }}>no alert, danger or trip recorded</span> : null}
      </div>
      {overview.error ? <p role="alert" style={{ color: HMI.danger, fontSize: 13 }}>{overview.error}</p> : null}
      <OverviewStrip range={range} spans={mine} series={overview.value} markers={markers} atMs={atMs} onPick={setCursor} />
      <div style={{ maxWidth: 900 }}>
        <input
          type="range"
          aria-label="Moment under review"
          min={range.fromMs}
          max={range.toMs}
          step="any"
          value={atMs}
          onChange={(e) => setCursor(Number(e.currentTarget.value))}
          onKeyDown={onKeyDown}
          aria-valuetext={`${clockTimeMs(atMs)}, ${relativeTo(atMs, markers)}`}
          aria-keyshortcuts="ArrowLeft ArrowRight PageUp PageDown Home End"
          data-testid="scrub"
          data-at-ms={atMs}
          data-step-ms={stepMs}
          style={{ width: 'calc(100% - 62px)', marginLeft: 52, marginRight: 10 }}
        />
      </div>
      <p style={{ fontSize: 13, margin: '2px 0 6px', color: HMI.muted }} data-testid="scrub-position">
        Cursor <b style={{ color: HMI.text, fontVariantNumeric: 'tabular-nums' }}>{clockTimeMs(atMs)}</b> ({relativeTo(atMs, markers)}) · ←/→ one window ({stepMs.toFixed(1)} ms), PageUp/PageDown ten, Home/End the ends; click the overview to move there
      </p>
      <MomentView moment={moment} error={error} busy={busy} stats={stats} />
    </section>
  );
}
