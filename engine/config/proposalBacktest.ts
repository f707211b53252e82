import { compareConfigurations, type AssetHistory, type BacktestOutcome, type ReferenceIncident } from '../backtest/backtest';
import type { ProtectionConfig } from '../protect/protectionConfig';
import type { Repository } from '../store/Repository';

/** What to backtest: a proposal beside the configuration in force, over one asset's stored history. */
export interface BacktestRequest {
  readonly assetId: string;
  readonly current: ProtectionConfig;
  readonly proposed: ProtectionConfig;
  /** The history span asked for, [fromMs, toMs); the summary says which part of it held data. */
  readonly fromMs: number;
  readonly toMs: number;
}

/** One configuration's figures over the history, small enough to journal with the proposal. */
export interface OutcomeSummary {
  /** Annunciated activations of either level. */
  readonly activations: number;
  readonly alertActivations: number;
  readonly dangerActivations: number;
  readonly trips: number;
  /** Alarms per 10 minutes (EEMUA 191: about 1 is acceptable). */
  readonly per10MinAverage: number;
  readonly per10MinPeak: number;
  readonly floods: number;
  readonly chatteringAlarms: number;
  readonly staleAlarms: number;
  /** Per stored incident in the span: would this configuration have warned, and how early. */
  readonly detections: BacktestOutcome['detections'];
}

/** What the approver reads before a change is applied: both configurations over the same history. */
export interface BacktestSummary {
  /** The span that held history (within the one asked for); equal bounds when there was none. */
  readonly fromMs: number;
  readonly toMs: number;
  /** One-second windows replayed. 0 means there was no history: the figures then say nothing. */
  readonly windows: number;
  readonly channelIds: readonly string[];
  /** Stored incidents of the asset in the span, graded for detection. */
  readonly incidents: number;
  readonly current: OutcomeSummary;
  readonly proposed: OutcomeSummary;
}

/** Runs a backtest request; the host may pass one that runs in a worker thread (see `ConfigService`). */
export type BacktestRunner = (request: BacktestRequest) => BacktestSummary | Promise<BacktestSummary>;

/** Incidents listed per backtest; a month of one asset holds far fewer. */
const MAX_INCIDENTS = 10_000;

/**
 * The part of a history that holds any measured value, so "the last 30 days" of an asset
 * commissioned a week ago is that week, not three weeks of gaps the decider would have to walk.
 */
export function trimToMeasured(h: AssetHistory): AssetHistory {
  const n = h.channels[0]?.score.length ?? 0;
  const measured = (i: number): boolean => h.channels.some((c) => c.score[i] === c.score[i] || c.velocityMmS[i] === c.velocityMmS[i]);
  let first = 0;
  while (first < n && !measured(first)) first++;
  let end = n;
  while (end > first && !measured(end - 1)) end--;
  return {
    assetId: h.assetId,
    startMs: h.startMs + first * h.periodMs,
    periodMs: h.periodMs,
    channels: h.channels.map((c) => ({ channelId: c.channelId, score: c.score.subarray(first, end), velocityMmS: c.velocityMmS.subarray(first, end) })),
  };
}

function summarise(o: BacktestOutcome): OutcomeSummary {
  const alerts = o.activations.filter((a) => a.alarmKey === 'level.alert').length;
  return {
    activations: o.activations.length,
    alertActivations: alerts,
    dangerActivations: o.activations.length - alerts,
    trips: o.trips.length,
    per10MinAverage: o.kpis.per10MinAverage,
    per10MinPeak: o.kpis.per10MinPeak,
    floods: o.kpis.floods.length,
    chatteringAlarms: o.kpis.chattering.length,
    staleAlarms: o.kpis.stale.length,
    detections: o.detections,
  };
}

/**
 * Loads the asset's stored 1-second history for the channels either configuration watches, grades
 * both configurations with the live protection decider (`compareConfigurations`), and summarises.
 * Incidents are dated by their trip, else their first alert, else their opening.
 * Synchronous and CPU-bound (about 1.5 s per channel-month to load, plus the replay): a host whose
 * trip path shares this thread must run it elsewhere.
 */
export function backtestFromStore(repo: Repository, request: BacktestRequest): BacktestSummary {
  const { assetId, current, proposed } = request;
  const channelIds = [...new Set([...current.groups, ...proposed.groups].flatMap((g) => g.channels))];
  const history = trimToMeasured(repo.history.load(assetId, channelIds, request.fromMs, request.toMs));
  const windows = history.channels[0]?.score.length ?? 0;
  const fromMs = history.startMs;
  const toMs = fromMs + windows * history.periodMs;
  const incidents: ReferenceIncident[] = repo
    .listIncidents({ assetId, limit: MAX_INCIDENTS })
    .map((i) => ({ id: i.id, assetId, atMs: i.tripMs ?? i.firstAlertMs ?? i.openedMs }))
    .filter((i) => i.atMs >= fromMs && i.atMs < toMs);
  const histories = windows > 0 ? [history] : [];
  const outcome = compareConfigurations(histories, new Map([[assetId, current]]), new Map([[assetId, proposed]]), incidents);
  return { fromMs, toMs, windows, channelIds, incidents: incidents.length, current: summarise(outcome.current), proposed: summarise(outcome.proposed) };
}
