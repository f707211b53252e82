import { alarmKpis, type AlarmKpis, type AnnunciatedActivation } from '../alarm/alarmKpis';
import type { ProtectionConfig } from '../protect/protectionConfig';
import type { ChannelReading, EvaluateWindow, ProtectionV2Event } from '../protect/protectionEvents';
import { compileProtectionPlan } from '../protect/protectionPlan';
import { initialProtectionV2State } from '../protect/protectionState';
import { decideProtection, evolveProtection } from '../protect/protectionV2';

/**
 * One asset's stored feature history, columnar: one value per channel per period (the store keeps
 * 1-second history). NaN means "not measured" (commissioning, a gap). Why columnar typed arrays:
 * 30 days × 20 assets is 52 million rows, which object rows would neither fit nor scan in seconds.
 */
export interface AssetHistory {
  readonly assetId: string;
  readonly startMs: number;
  readonly periodMs: number;
  readonly channels: ReadonlyArray<{ readonly channelId: string; readonly score: Float32Array; readonly velocityMmS: Float32Array }>;
}

/** A stored incident to grade a configuration against: did it alarm before `atMs`, and how early? */
export interface ReferenceIncident {
  readonly id: string;
  readonly assetId: string;
  /** The moment that matters (the trip, or when a fault was confirmed). */
  readonly atMs: number;
}

/** What a configuration would have done over the history. */
export interface BacktestOutcome {
  readonly windows: number;
  readonly activations: AnnunciatedActivation[];
  readonly trips: Array<{ assetId: string; atMs: number; groupId: string }>;
  readonly kpis: AlarmKpis;
  /** Per reference incident: detected (an alert or danger within the look-back before it) and the lead time. */
  readonly detections: Array<{ incidentId: string; detected: boolean; leadMs: number | null }>;
}

/** How far before an incident an activation still counts as its early warning. */
export const DETECTION_LOOKBACK_MS = 7 * 24 * 3_600_000;
/** After a trip the backtest plays an operator who resets the latch once the condition allows, trying every minute. */
const RESET_RETRY_MS = 60_000;

/**
 * Runs the history through the same protection decider the live engine uses (decide, then evolve
 * with every event) with a proposed configuration, and reports the alarms it would have raised,
 * their KPIs, the trips, and the detections and lead times on stored incidents. Why the same code:
 * a backtest that re-implements the rules answers a different question from the one the plant asks.
 * Allocation per window is one reused command; events are rare.
 */
export function backtest(
  histories: readonly AssetHistory[],
  configs: ReadonlyMap<string, ProtectionConfig>,
  incidents: readonly ReferenceIncident[] = [],
  opts: { exhaustive?: boolean } = {},
): BacktestOutcome {
  const activations: AnnunciatedActivation[] = [];
  const trips: BacktestOutcome['trips'] = [];
  let windows = 0;
  let fromMs = Number.POSITIVE_INFINITY;
  let toMs = Number.NEGATIVE_INFINITY;
  for (const h of histories) {
    const config = configs.get(h.assetId);
    if (!config) throw new Error(`no protection configuration for asset ${h.assetId}`);
    const plan = compileProtectionPlan(config);
    let state = initialProtectionV2State(plan);
    const readings: ChannelReading[] = h.channels.map((c) => ({ channelId: c.channelId, quality: 'good', score: null, velocityMmS: null, features: {} }));
    const cmd: EvaluateWindow = { type: 'EvaluateWindow', atMs: 0, operatingState: 'running', channels: readings };
    const n = h.channels[0]?.score.length ?? 0;
    const open = new Map<string, number>();
    // Quiet windows: while the decider is at rest (normal, nothing latched, every timer off, all
    // channels good, running) and every value is below the lowest alert level of its quantity, the
    // decider provably emits nothing and its state does not change, so the window is skipped. A test
    // checks that the result equals deciding every window (opts.exhaustive).
    const ceilings = quietCeilings(config);
    let atRest = false;
    const restCheck = (): boolean =>
      state.level === 'normal' && !state.latched && state.bypass === null && state.operatingState === 'running' &&
      state.groups.every((g) => g.alert.phase === 'off' && g.danger.phase === 'off') && state.channels.every((c) => c.quality === 'good');
    let resetAtMs = Number.POSITIVE_INFINITY;
    const apply = (events: readonly ProtectionV2Event[]): void => {
      for (let j = 0; j < events.length; j++) {
        const e = events[j]!;
        state = evolveProtection(state, e);
        if (e.type === 'LevelChanged') {
          // Each level is its own annunciated alarm: a change closes the old level's activation and opens the new one's.
          if (e.from !== 'normal') closeActivation(open, e.from, e.atMs, activations, h.assetId);
          if (e.to !== 'normal') open.set(e.to, e.atMs);
        } else if (e.type === 'TripDecided') {
          trips.push({ assetId: h.assetId, atMs: e.atMs, groupId: e.groupId });
          resetAtMs = e.atMs + RESET_RETRY_MS;
        } else if (e.type === 'LatchReset') resetAtMs = Number.POSITIVE_INFINITY;
      }
    };
    const scoreCols = h.channels.map((c) => c.score);
    const velocityCols = h.channels.map((c) => c.velocityMmS);
    for (let i = 0; i < n; i++) {
      if (atRest && !opts.exhaustive && ceilings) {
        // Skip the run of quiet windows from i in one tight scan (the readings do not change while skipping).
        i = quietRunEnd(scoreCols, velocityCols, readings, ceilings, i, n);
        if (i >= n) break;
      }
      const atMs = h.startMs + i * h.periodMs;
      cmd.atMs = atMs;
      for (let c = 0; c < readings.length; c++) {
        const s = h.channels[c]!.score[i]!;
        const v = h.channels[c]!.velocityMmS[i]!;
        readings[c]!.score = s === s ? s : null;
        readings[c]!.velocityMmS = v === v ? v : null;
      }
      const events = decideProtection(state, cmd, plan);
      if (events.length > 0) apply(events);
      atRest = restCheck() && readings.every((r) => r.score !== null);
      if (atMs >= resetAtMs) {
        apply(decideProtection(state, { type: 'ResetLatch', atMs, by: 'backtest' }, plan));
        if (state.latched) resetAtMs = atMs + RESET_RETRY_MS;
      }
    }
    windows += n;
    if (n > 0) {
      fromMs = Math.min(fromMs, h.startMs);
      toMs = Math.max(toMs, h.startMs + n * h.periodMs);
    }
    for (const level of [...open.keys()]) closeActivation(open, level, Number.NaN, activations, h.assetId);
  }
  const kpis = alarmKpis(activations, Number.isFinite(fromMs) ? fromMs : 0, Number.isFinite(toMs) && toMs > fromMs ? toMs : (Number.isFinite(fromMs) ? fromMs : 0) + 1);
  const detections = incidents.map((inc) => {
    const first = activations.filter((a) => a.assetId === inc.assetId && a.activatedMs <= inc.atMs && a.activatedMs >= inc.atMs - DETECTION_LOOKBACK_MS).reduce((m, a) => Math.min(m, a.activatedMs), Number.POSITIVE_INFINITY);
    return { incidentId: inc.id, detected: Number.isFinite(first), leadMs: Number.isFinite(first) ? inc.atMs - first : null };
  });
  return { windows, activations, trips, kpis, detections };
}

/**
 * The first window at or after `i` that is not quiet: every channel's score below the score
 * ceiling and its velocity below the velocity ceiling, or unmeasured as it was. NaN fails both
 * tests, so an unmeasured score goes to the decider; a channel that starts or stops measuring
 * velocity can change its vote, so the decider sees that too. One channel (the usual case) has a
 * loop of its own: this scan is most of a month's backtest.
 */
function quietRunEnd(
  scoreCols: readonly Float32Array[],
  velocityCols: readonly Float32Array[],
  readings: readonly ChannelReading[],
  ceilings: { score: number; velocityMmS: number },
  i: number,
  n: number,
): number {
  const cs = ceilings.score;
  const cv = ceilings.velocityMmS;
  if (scoreCols.length === 1) {
    const s = scoreCols[0]!;
    const v = velocityCols[0]!;
    if (readings[0]!.velocityMmS !== null) {
      while (i < n && s[i]! < cs && v[i]! < cv) i++;
    } else {
      while (i < n && s[i]! < cs && v[i] !== v[i]) i++;
    }
    return i;
  }
  for (; i < n; i++) {
    for (let c = 0; c < scoreCols.length; c++) {
      const sv = scoreCols[c]![i]!;
      const vv = velocityCols[c]![i]!;
      const measured = readings[c]!.velocityMmS !== null;
      if (!(sv < cs) || !(measured ? vv < cv : vv !== vv)) return i;
    }
  }
  return i;
}

/** The proposal beside the configuration in force, over the same history and incidents. */
export function compareConfigurations(
  histories: readonly AssetHistory[],
  current: ReadonlyMap<string, ProtectionConfig>,
  proposed: ReadonlyMap<string, ProtectionConfig>,
  incidents: readonly ReferenceIncident[] = [],
): { current: BacktestOutcome; proposed: BacktestOutcome } {
  return { current: backtest(histories, current, incidents), proposed: backtest(histories, proposed, incidents) };
}

function closeActivation(open: Map<string, number>, level: string, atMs: number, out: AnnunciatedActivation[], assetId: string): void {
  const since = open.get(level);
  if (since === undefined) return;
  open.delete(level);
  out.push({ assetId, alarmKey: `level.${level}`, priority: level === 'danger' ? 'critical' : 'medium', activatedMs: since, clearedMs: Number.isNaN(atMs) ? null : atMs });
}

/**
 * Lowest alert level per quantity in the running state (trip multiply is ≥ 1, so running is the
 * lowest), or null when a group watches a named feature (the history has no feature columns, so
 * the decider must see every window).
 */
function quietCeilings(config: ProtectionConfig): { score: number; velocityMmS: number } | null {
  let score = Number.POSITIVE_INFINITY;
  let velocityMmS = Number.POSITIVE_INFINITY;
  for (const g of config.groups) {
    const level = g.alert * (g.tripMultiplied ? (config.tripMultiply?.running ?? 1) : 1);
    if (g.quantity.kind === 'score') score = Math.min(score, level);
    else if (g.quantity.kind === 'velocityMmS') velocityMmS = Math.min(velocityMmS, level);
    else return null;
  }
  return { score, velocityMmS };
}
