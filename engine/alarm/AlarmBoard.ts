import type { AlarmLevelChanged, EngineEvent, ProtectionNotice } from '../contract/events';
import { alarmStateName, annunciated, handle, initialAlarmState, type AlarmCommand, type AlarmEvent, type AlarmPriority, type AlarmState, type AlarmStateName } from './alarmDecider';
import type { AnnunciatedActivation } from './alarmKpis';

/** The two alarms the engine's protection levels raise per asset, and their priorities. */
export const LEVEL_ALARMS: Readonly<Record<'alert' | 'danger', { alarmKey: string; priority: AlarmPriority }>> = {
  alert: { alarmKey: 'level.alert', priority: 'medium' },
  danger: { alarmKey: 'level.danger', priority: 'critical' },
};

/** The alarm a faulted sensor raises (stale, bad or non-finite data on a channel protection votes on). */
export const SENSOR_ALARM = { alarmKey: 'sensor.fault', priority: 'high' as AlarmPriority };

/** Every alarm the board raises per asset. */
const ALARMS: ReadonlyArray<{ alarmKey: string; priority: AlarmPriority }> = [LEVEL_ALARMS.alert, LEVEL_ALARMS.danger, SENSOR_ALARM];

/** Who suppresses by design: the process logic, not a person. */
const BY_DESIGN = 'process';

/** Longest shelve of any alarm (ISA-18.2 asks for a maximum; roles may shorten it further). */
export const MAX_SHELVE_MS = 72 * 3_600_000;

/** One line of the operator's alarm list. */
export interface AlarmRow {
  assetId: string;
  alarmKey: string;
  priority: AlarmPriority;
  state: AlarmStateName;
  annunciated: boolean;
  activeSinceMs: number | null;
  value: number | null;
  setpoint: number | null;
  shelvedUntilMs: number | null;
}

/**
 * The live alarm system of ISA-18.2: one alarm decider per (asset, alarm), fed by the engine's
 * protection level changes (the process side) and by operators (acknowledge, shelve, out of
 * service). Why separate from protection: protection decides trips in milliseconds and must not
 * care whether anybody has acknowledged; the board decides what the operator is shown. Every event
 * it produces, refusals included, goes to `journal` (the alarm journal in the store).
 */
export class AlarmBoard {
  private readonly alarms = new Map<string, AlarmState>();
  /** Faulted channels per asset: the sensor alarm clears when the last one is good again. */
  private readonly faulted = new Map<string, Set<string>>();
  /** Stopped assets, with the suppression that applies to any alarm of theirs created meanwhile. */
  private readonly stopped = new Map<string, AlarmCommand>();

  constructor(private readonly journal: (e: AlarmEvent) => void) {}

  /**
   * Process side: wire to `engine.on`. Protection levels activate and clear the level alarms; sensor
   * faults the sensor alarm; a stopped machine suppresses all of its alarms by design (ISA-18.2:
   * vibration alarms of a machine at standstill mean nothing) and its start releases them.
   */
  onEngineEvent(e: EngineEvent): void {
    if (e.type === 'AlarmLevelChanged') {
      for (const [level, cmd] of levelCommands(e)) this.apply(e.assetId, LEVEL_ALARMS[level], cmd);
    } else if (e.type === 'ProtectionNotice') {
      this.onSensorNotice(e);
    } else if (e.type === 'OperatingStateChanged' && (e.to === 'stopped') !== (e.from === 'stopped')) {
      const cmd: AlarmCommand =
        e.to === 'stopped'
          ? { type: 'Suppress', atMs: e.atMs, by: BY_DESIGN, reason: 'machine stopped: shaft speed below the running range' }
          : { type: 'Unsuppress', atMs: e.atMs, by: BY_DESIGN, reason: `machine ${e.to === 'startup' ? 'starting' : 'running'} again` };
      // Alarms the asset has: suppressed (or released) now; any other one is suppressed when it first appears.
      if (e.to === 'stopped') this.stopped.set(e.assetId, cmd);
      else this.stopped.delete(e.assetId);
      for (const a of ALARMS) if (this.alarms.has(`${e.assetId}\u0000${a.alarmKey}`)) this.apply(e.assetId, a, cmd);
    }
  }

  private onSensorNotice(e: ProtectionNotice): void {
    if ((e.kind !== 'sensor_fault' && e.kind !== 'sensor_restored') || !e.channelId) return;
    const set = this.faulted.get(e.assetId) ?? new Set<string>();
    this.faulted.set(e.assetId, set);
    const wasFaulted = set.size > 0;
    if (e.kind === 'sensor_fault') set.add(e.channelId);
    else set.delete(e.channelId);
    if (set.size > 0 && !wasFaulted) this.apply(e.assetId, SENSOR_ALARM, { type: 'Activate', atMs: e.atMs, value: set.size, setpoint: 1 });
    else if (set.size === 0 && wasFaulted) this.apply(e.assetId, SENSOR_ALARM, { type: 'Clear', atMs: e.atMs });
  }

  /** An operator or engineer command on one alarm; returns its events (a refusal is one of them). */
  command(assetId: string, alarmKey: string, cmd: AlarmCommand): AlarmEvent[] {
    const alarm = ALARMS.find((a) => a.alarmKey === alarmKey);
    if (!alarm) throw new Error(`unknown alarm ${alarmKey} (known: ${ALARMS.map((a) => a.alarmKey).join(', ')})`);
    return this.apply(assetId, alarm, cmd);
  }

  /** Lets due shelves expire; call at the status rate. */
  tick(atMs: number): void {
    for (const s of [...this.alarms.values()]) this.apply(s.config.assetId, s.config, { type: 'Tick', atMs });
  }

  /** Every alarm the board knows, most urgent first; annunciated ones are the operator's active list. */
  rows(): AlarmRow[] {
    const rank: Record<AlarmPriority, number> = { critical: 0, high: 1, medium: 2, low: 3 };
    return [...this.alarms.values()]
      .map((s) => ({
        assetId: s.config.assetId,
        alarmKey: s.config.alarmKey,
        priority: s.config.priority,
        state: alarmStateName(s),
        annunciated: annunciated(s),
        activeSinceMs: s.activation?.sinceMs ?? null,
        value: s.activation?.value ?? null,
        setpoint: s.activation?.setpoint ?? null,
        shelvedUntilMs: s.shelve?.untilMs ?? null,
      }))
      .sort((a, b) => rank[a.priority] - rank[b.priority] || (a.activeSinceMs ?? Infinity) - (b.activeSinceMs ?? Infinity));
  }

  private apply(assetId: string, alarm: { alarmKey: string; priority: AlarmPriority }, cmd: AlarmCommand): AlarmEvent[] {
    const key = `${assetId}\u0000${alarm.alarmKey}`;
    let state = this.alarms.get(key);
    if (!state) {
      state = initialAlarmState({ assetId, alarmKey: alarm.alarmKey, priority: alarm.priority, maxShelveMs: MAX_SHELVE_MS });
      const suppression = this.stopped.get(assetId);
      if (suppression && cmd.type !== 'Unsuppress') {
        const s = handle({ ...suppression, atMs: cmd.atMs }, state);
        state = s.state;
        for (const e of s.events) this.journal(e);
      }
    }
    const r = handle(cmd, state);
    this.alarms.set(key, r.state);
    for (const e of r.events) this.journal(e);
    return r.events;
  }
}

/**
 * Protection level → alarm conditions. Alert stays active while the asset is in danger (its
 * condition, score ≥ alert, still holds); danger clears when the level drops below it.
 */
function levelCommands(e: AlarmLevelChanged): Array<['alert' | 'danger', AlarmCommand]> {
  const activate = { type: 'Activate' as const, atMs: e.atMs, value: e.value, setpoint: e.setpoint };
  const clear = { type: 'Clear' as const, atMs: e.atMs };
  const out: Array<['alert' | 'danger', AlarmCommand]> = [];
  if (e.to === 'alert' || e.to === 'danger') {
    if (e.from === 'normal') out.push(['alert', activate]);
  }
  if (e.to === 'danger') out.push(['danger', activate]);
  if (e.from === 'danger' && e.to !== 'danger') out.push(['danger', clear]);
  if (e.to === 'normal') out.push(['alert', clear]);
  return out;
}

/**
 * Annunciated activations from journal events, oldest first, for the KPIs: each AlarmActivated
 * opens one, the next AlarmCleared of the same alarm closes it. Why from the journal: KPIs over any
 * period of history come from what was recorded, not from live state.
 */
export function activationsFromJournal(events: readonly AlarmEvent[]): AnnunciatedActivation[] {
  const open = new Map<string, number>();
  const out: AnnunciatedActivation[] = [];
  for (const e of [...events].sort((a, b) => a.atMs - b.atMs)) {
    const key = `${e.assetId}\u0000${e.alarmKey}`;
    if (e.type === 'AlarmActivated') {
      open.set(key, out.length);
      out.push({ assetId: e.assetId, alarmKey: e.alarmKey, priority: e.priority, activatedMs: e.atMs, clearedMs: null });
    } else if (e.type === 'AlarmCleared') {
      const i = open.get(key);
      if (i !== undefined) {
        out[i] = { ...out[i]!, clearedMs: e.atMs };
        open.delete(key);
      }
    }
  }
  return out;
}
