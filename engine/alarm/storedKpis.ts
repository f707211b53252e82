import { existsSync } from 'node:fs';
import { openDatabase } from '../store/openDatabase';
import { Repository } from '../store/Repository';
import type { AlarmJournal } from '../store/AlarmJournal';
import { activationsFromJournal } from './AlarmBoard';
import { alarmKpis, KPI_LIMITS, type AlarmKpis } from './alarmKpis';

/**
 * Alarm KPIs over any period of recorded history, from the alarm journal (what operators were
 * shown, with shelved and suppressed alarms already excluded by the decider's annunciation).
 */

/** How far before the period the journal is read, so an alarm activated earlier and still active counts as stale. */
export const KPI_LOOKBACK_MS = 7 * 86_400_000;
/** Most journal events read for one report; beyond it the report says it was cut. */
const MAX_EVENTS = 2_000_000;

/** KPIs of [fromMs, toMs) and whether the journal held more events than were read. */
export function storedAlarmKpis(journal: AlarmJournal, fromMs: number, toMs: number): AlarmKpis & { truncated: boolean } {
  if (!(toMs > fromMs)) throw new RangeError(`the period must end after it starts, got ${new Date(fromMs).toISOString()} .. ${new Date(toMs).toISOString()}`);
  const events = journal.list({ fromMs: fromMs - KPI_LOOKBACK_MS, toMs, limit: MAX_EVENTS + 1 });
  const truncated = events.length > MAX_EVENTS;
  const acts = activationsFromJournal(truncated ? events.slice(0, MAX_EVENTS) : events);
  // An activation before the period that was still active at its start is in the period's state; stale alarms need it.
  const carried = acts.filter((a) => a.activatedMs < fromMs && (a.clearedMs === null || a.clearedMs > fromMs));
  const inPeriod = acts.filter((a) => a.activatedMs >= fromMs);
  const kpis = alarmKpis(inPeriod, fromMs, toMs);
  const stale = carried
    .map((a) => ({ assetId: a.assetId, alarmKey: a.alarmKey, activeMs: (a.clearedMs ?? toMs) - a.activatedMs }))
    .filter((s) => s.activeMs > KPI_LIMITS.staleAfterMs);
  return { ...kpis, stale: [...stale, ...kpis.stale], truncated };
}

/** Options of `vigil alarms`. */
export interface AlarmsCommandOptions {
  db: string;
  /** ISO time or epoch ms; default 24 h before `to`. */
  from?: string;
  /** ISO time or epoch ms; default now. */
  to?: string;
}

function time(s: string | undefined, name: string, fallback: number): number {
  if (s === undefined) return fallback;
  const ms = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  if (!Number.isFinite(ms)) throw new Error(`--${name} must be an ISO time (2026-11-28T08:00:00Z) or epoch ms, got '${s}'`);
  return ms;
}

/** `vigil alarms --db FILE [--from T] [--to T]`: the alarm KPIs of a period as JSON. The database is opened, never created. */
export function alarmsCommand(o: AlarmsCommandOptions, print: (s: string) => void = (s) => process.stdout.write(s), now: () => number = Date.now): number {
  if (!existsSync(o.db)) throw new Error(`no database at ${o.db}`);
  const toMs = time(o.to, 'to', now());
  const fromMs = time(o.from, 'from', toMs - 86_400_000);
  const { db } = openDatabase(o.db);
  try {
    const k = storedAlarmKpis(new Repository(db).journal, fromMs, toMs);
    print(`${JSON.stringify({ from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), ...k }, null, 2)}\n`);
    return 0;
  } finally {
    db.close();
  }
}
