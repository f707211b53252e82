import type { AlarmLevel, SetpointSource } from '../contract/events';
import type { Setpoint } from '../contract/asset';

/**
 * First-version protection for one asset, written as a decider: `decide(state, window)` returns
 * the events a window causes and `evolve(state, event)` folds them into the next state, so the
 * same code runs live, in replays and (later) in backtests, and the events are the alarm journal.
 *
 * Rules (API 670 in spirit; issue 4 adds deadband, off-delay, voting and ISA-18.2 states):
 * - each setpoint (learned score, ISO velocity) counts consecutive windows at or above its alert
 *   and danger levels; a level holds once its count exceeds the on-delay;
 * - the asset's level is the highest held level over all setpoints; the first setpoint to reach it
 *   is the first-out;
 * - danger latches and requests exactly one trip; it stays latched until an explicit reset;
 * - alert clears as soon as no setpoint holds it (no off-delay in this version).
 */
export interface ProtectionSetpoints {
  score: Setpoint;
  velocityMmS: Setpoint;
}

/** Measured values of one window. `score` is null while the asset is still commissioning. */
export interface WindowMeasurement {
  atMs: number;
  score: number | null;
  velocityMmS: number;
}

export interface ProtectionState {
  level: AlarmLevel;
  /** Consecutive windows at or above each level, per setpoint. */
  counts: Record<SetpointSource, { alert: number; danger: number }>;
  latched: boolean;
  firstOut: SetpointSource | null;
}

export type ProtectionEvent =
  | { type: 'WindowCounted'; counts: ProtectionState['counts'] }
  | { type: 'LevelChanged'; atMs: number; from: AlarmLevel; to: AlarmLevel; source: SetpointSource; value: number; setpoint: number }
  | { type: 'TripDecided'; atMs: number; source: SetpointSource; value: number; setpoint: number }
  | { type: 'LatchReset'; atMs: number };

export type ProtectionCommand = { type: 'EvaluateWindow'; window: WindowMeasurement } | { type: 'ResetLatch'; atMs: number };

export function initialProtectionState(): ProtectionState {
  return { level: 'normal', counts: { score: { alert: 0, danger: 0 }, velocity: { alert: 0, danger: 0 } }, latched: false, firstOut: null };
}

const RANK: Record<AlarmLevel, number> = { normal: 0, alert: 1, danger: 2 };

function nextCount(count: number, value: number | null, level: number): number {
  return value !== null && value >= level ? count + 1 : 0;
}

function heldLevel(counts: { alert: number; danger: number }, sp: Setpoint): AlarmLevel {
  if (counts.danger > sp.onDelayWindows) return 'danger';
  if (counts.alert > sp.onDelayWindows) return 'alert';
  return 'normal';
}

/** Events caused by a command; never mutates `state`. */
export function decide(state: ProtectionState, cmd: ProtectionCommand, setpoints: ProtectionSetpoints): ProtectionEvent[] {
  if (cmd.type === 'ResetLatch') return state.latched ? [{ type: 'LatchReset', atMs: cmd.atMs }] : [];
  const w = cmd.window;
  const values: Record<SetpointSource, number | null> = { score: w.score, velocity: w.velocityMmS };
  const sps: Record<SetpointSource, Setpoint> = { score: setpoints.score, velocity: setpoints.velocityMmS };
  const counts = {
    score: { alert: nextCount(state.counts.score.alert, values.score, sps.score.alert), danger: nextCount(state.counts.score.danger, values.score, sps.score.danger) },
    velocity: { alert: nextCount(state.counts.velocity.alert, values.velocity, sps.velocity.alert), danger: nextCount(state.counts.velocity.danger, values.velocity, sps.velocity.danger) },
  };
  const events: ProtectionEvent[] = [{ type: 'WindowCounted', counts }];

  // Highest held level; on a tie the setpoint that was already first-out keeps the credit, then score.
  let to: AlarmLevel = 'normal';
  let source: SetpointSource = state.firstOut ?? 'score';
  for (const s of ['score', 'velocity'] as const) {
    const held = heldLevel(counts[s], sps[s]);
    if (RANK[held] > RANK[to]) {
      to = held;
      source = s;
    }
  }
  if (state.latched) to = 'danger';
  if (to !== state.level) {
    const setpoint = to === 'normal' ? sps[source].alert : sps[source][to];
    events.push({ type: 'LevelChanged', atMs: w.atMs, from: state.level, to, source, value: values[source] ?? Number.NaN, setpoint });
  }
  if (to === 'danger' && !state.latched) {
    events.push({ type: 'TripDecided', atMs: w.atMs, source, value: values[source] ?? Number.NaN, setpoint: sps[source].danger });
  }
  return events;
}

/** The state after an event. */
export function evolve(state: ProtectionState, event: ProtectionEvent): ProtectionState {
  switch (event.type) {
    case 'WindowCounted':
      return { ...state, counts: event.counts };
    case 'LevelChanged':
      return { ...state, level: event.to, firstOut: event.to === 'normal' ? null : state.level === 'normal' ? event.source : state.firstOut };
    case 'TripDecided':
      return { ...state, latched: true };
    case 'LatchReset': {
      // A reset releases the latch; the level is re-derived from the counts at the next window.
      return { ...state, latched: false };
    }
  }
}

/** Applies a command: the events it causes and the resulting state. */
export function handle(state: ProtectionState, cmd: ProtectionCommand, setpoints: ProtectionSetpoints): { state: ProtectionState; events: ProtectionEvent[] } {
  const events = decide(state, cmd, setpoints);
  let next = state;
  for (const e of events) next = evolve(next, e);
  return { state: next, events };
}
