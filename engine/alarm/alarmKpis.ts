/** Alarm priorities, most urgent first (ISA-18.2 uses three or four; Vigil uses four). */
export type KpiPriority = 'critical' | 'high' | 'medium' | 'low';

/** One annunciated activation of one alarm, as the KPIs need it (built from the alarm journal). */
export interface AnnunciatedActivation {
  readonly assetId: string;
  /** The alarm within its asset, e.g. 'score.alert'. */
  readonly alarmKey: string;
  readonly priority: KpiPriority;
  readonly activatedMs: number;
  /** When its condition cleared; null if still active at the end of the period. */
  readonly clearedMs: number | null;
}

/** EEMUA 191 / ISA-18.2 benchmark constants. */
export const KPI_LIMITS = Object.freeze({
  /** Averaging bucket of the alarm rate. */
  bucketMs: 10 * 60_000,
  /** More than this many alarms in a 10-minute window is a flood (ISA-18.2: > 10 per 10 min). */
  floodAbove: 10,
  /** An alarm activating this often within chatterWindowMs is chattering (ISA-18.2 TR: 3 in 1 min). */
  chatterActivations: 3,
  chatterWindowMs: 60_000,
  /** Active longer than this is a stale alarm (24 h). */
  staleAfterMs: 24 * 3_600_000,
});

/** KPIs of one period. */
export interface AlarmKpis {
  readonly fromMs: number;
  readonly toMs: number;
  readonly activations: number;
  /** Average and peak alarms per 10 minutes (EEMUA: ~1 acceptable, > 2 over-demanding). */
  readonly per10MinAverage: number;
  readonly per10MinPeak: number;
  /** Share of 10-minute buckets with more than 10 alarms (ISA-18.2 target < 1 %). */
  readonly floodBucketShare: number;
  /** Maximal periods during which the trailing 10 minutes held more than 10 activations, and the activations in them. */
  readonly floods: ReadonlyArray<{ startMs: number; endMs: number; activations: number }>;
  /** Alarms with ≥ 3 activations within a minute, with their worst minute. */
  readonly chattering: ReadonlyArray<{ assetId: string; alarmKey: string; maxPerMinute: number }>;
  /** Alarms active for more than 24 hours (at the end of the period, or before they cleared). */
  readonly stale: ReadonlyArray<{ assetId: string; alarmKey: string; activeMs: number }>;
  /** Most frequent alarms and their share of all activations (EEMUA: the top 10 are usually most of the load). */
  readonly badActors: ReadonlyArray<{ assetId: string; alarmKey: string; activations: number; share: number }>;
  /** Activations per priority and their shares (EEMUA guide: about 80 % low, 15 % medium/high, 5 % critical). */
  readonly priorityMix: Readonly<Record<KpiPriority, { activations: number; share: number }>>;
}

const PRIORITIES: readonly KpiPriority[] = ['critical', 'high', 'medium', 'low'];

/**
 * The alarm-system KPIs of EEMUA 191 and ISA-18.2 over [fromMs, toMs). Why one pure function over
 * activations: the same figures are shown live (over the last hours), over any period of history,
 * and for a backtest's would-have-been alarms, so they must come from one definition.
 */
export function alarmKpis(all: readonly AnnunciatedActivation[], fromMs: number, toMs: number, topN = 10): AlarmKpis {
  if (!(toMs > fromMs)) throw new RangeError(`the period must have toMs > fromMs, got ${fromMs}..${toMs}`);
  const acts = all.filter((a) => a.activatedMs >= fromMs && a.activatedMs < toMs).sort((a, b) => a.activatedMs - b.activatedMs);
  const { bucketMs, floodAbove, chatterActivations, chatterWindowMs, staleAfterMs } = KPI_LIMITS;

  const buckets = new Array<number>(Math.max(1, Math.ceil((toMs - fromMs) / bucketMs))).fill(0);
  for (const a of acts) buckets[Math.floor((a.activatedMs - fromMs) / bucketMs)]!++;

  // Floods: trailing 10-minute count, evaluated at each activation (where it can only rise).
  const floods: Array<{ startMs: number; endMs: number; activations: number }> = [];
  let lo = 0;
  let current: { startMs: number; endMs: number; activations: number } | null = null;
  for (let hi = 0; hi < acts.length; hi++) {
    const t = acts[hi]!.activatedMs;
    while (acts[lo]!.activatedMs <= t - bucketMs) lo++;
    const count = hi - lo + 1;
    if (count > floodAbove) {
      // The trailing count stays above the limit until the activation 'floodAbove' places back leaves the window.
      const endMs = acts[hi - floodAbove]!.activatedMs + bucketMs;
      if (current && t < current.endMs) {
        current.endMs = endMs;
        current.activations++;
      } else {
        current = { startMs: t, endMs, activations: count };
        floods.push(current);
      }
    }
  }
  for (const f of floods) f.endMs = Math.min(f.endMs, toMs);

  const byAlarm = new Map<string, AnnunciatedActivation[]>();
  for (const a of acts) {
    const k = `${a.assetId}\u0000${a.alarmKey}`;
    let list = byAlarm.get(k);
    if (!list) byAlarm.set(k, (list = []));
    list.push(a);
  }
  const chattering: Array<{ assetId: string; alarmKey: string; maxPerMinute: number }> = [];
  for (const list of byAlarm.values()) {
    let best = 0;
    let j = 0;
    for (let i = 0; i < list.length; i++) {
      while (list[j]!.activatedMs <= list[i]!.activatedMs - chatterWindowMs) j++;
      best = Math.max(best, i - j + 1);
    }
    if (best >= chatterActivations) chattering.push({ assetId: list[0]!.assetId, alarmKey: list[0]!.alarmKey, maxPerMinute: best });
  }
  chattering.sort((a, b) => b.maxPerMinute - a.maxPerMinute);

  const stale = all
    .filter((a) => a.activatedMs < toMs && (a.clearedMs ?? toMs) > fromMs)
    .map((a) => ({ assetId: a.assetId, alarmKey: a.alarmKey, activeMs: Math.min(a.clearedMs ?? toMs, toMs) - a.activatedMs }))
    .filter((s) => s.activeMs > staleAfterMs)
    .sort((a, b) => b.activeMs - a.activeMs);

  const total = acts.length;
  const badActors = [...byAlarm.values()]
    .map((list) => ({ assetId: list[0]!.assetId, alarmKey: list[0]!.alarmKey, activations: list.length, share: list.length / total }))
    .sort((a, b) => b.activations - a.activations || a.assetId.localeCompare(b.assetId) || a.alarmKey.localeCompare(b.alarmKey))
    .slice(0, topN);

  const priorityMix = Object.fromEntries(
    PRIORITIES.map((p) => {
      const n = acts.filter((a) => a.priority === p).length;
      return [p, { activations: n, share: total > 0 ? n / total : 0 }];
    }),
  ) as Record<KpiPriority, { activations: number; share: number }>;

  return {
    fromMs,
    toMs,
    activations: total,
    per10MinAverage: total / ((toMs - fromMs) / bucketMs),
    per10MinPeak: Math.max(...buckets),
    floodBucketShare: buckets.filter((n) => n > floodAbove).length / buckets.length,
    floods,
    chattering,
    stale,
    badActors,
    priorityMix,
  };
}
