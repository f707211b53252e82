import type { AlarmLevel } from '../contract/events';
import type { Quality } from '../contract/frame';
import type {
  AdoptLatch,
  ChannelReading,
  EvaluateWindow,
  ProtectionV2Command,
  ProtectionV2Event,
  ProtectionV2State,
  SensorFaultCleared,
  SensorFaultRaised,
} from './protectionEvents';
import { evidenceFor, sourceGroup, voteEvent } from './protectionEvidence';
import { operatingIndexOf, type ProtectionPlan } from './protectionPlan';
import { channelState, groupState, stateWith, timer } from './protectionState';
import { isHeld, voteWindow, WINDOW_ALERT_HELD, WINDOW_CHANGED, WINDOW_DANGER_HELD, type ChannelVoteStatus } from './voting';

/**
 * Second protection decider, in the manner of API 670 machinery-protection monitors:
 * `decideProtection(state, command, plan)` returns the events a command causes and
 * `evolveProtection(state, event)` folds them in, so live monitoring, replays and backtests run the
 * same code and the events are the protection journal.
 *
 * Per setpoint group and window: each channel votes alert / danger against the level in force
 * (trip multiply for the operating state, minus the deadband while the condition is on); k of n votes
 * make the voted condition; a timer per level turns the condition into a held level after the
 * on-delay and releases it after the off-delay. The asset's level is the highest held level; danger
 * latches and decides one trip, in the same call that saw the condition complete its delay.
 *
 * Delays are in milliseconds, judged on window timestamps, rather than in windows because
 * (1) API 670 and plant practice state delays in time, and the window period differs per channel and
 * changes with the hop size, so a count of windows would silently change the delay;
 * (2) a gap in the data does not stretch the delay; and
 * (3) a timer only changes state at a condition edge, whereas a window count changes every window:
 * with times, a window that changes nothing emits no event and allocates nothing, which is what lets
 * a backtest run millions of windows a second. The cost: a delay is only observed at window ends,
 * so it completes at the first window at or after condition start + delay.
 *
 * Quality never acts silently: a channel's quality change is a SensorFaultRaised/Cleared, a change in
 * how a group's channels vote is a VoteDegraded/Restored, and a trip partly cast by faulted channels
 * lists them in `faultedChannelIds`.
 */

const NO_EVENTS: readonly ProtectionV2Event[] = Object.freeze([]);

function append(out: ProtectionV2Event[] | null, e: ProtectionV2Event): ProtectionV2Event[] {
  if (out === null) return [e];
  out.push(e);
  return out;
}

/**
 * Where each plan channel sits in the window. Fast path: the window lists the channels in plan order,
 * so one string comparison per channel; otherwise a linear search (an asset has a handful of channels).
 */
function resolveSlots(channels: readonly ChannelReading[], plan: ProtectionPlan): Int32Array {
  const slot = plan.scratch.slot;
  const ids = plan.channelIds;
  for (let i = 0; i < ids.length; i++) {
    const r = channels[i];
    if (r !== undefined && r.channelId === ids[i]) {
      slot[i] = i;
      continue;
    }
    slot[i] = -1;
    for (let j = 0; j < channels.length; j++) {
      if (channels[j]!.channelId === ids[i]) {
        slot[i] = j;
        break;
      }
    }
  }
  return slot;
}

function qualityEvent(plan: ProtectionPlan, i: number, from: Quality, to: Quality, atMs: number): SensorFaultRaised | SensorFaultCleared {
  const channelId = plan.channelIds[i]!;
  if (to === 'good') return { type: 'SensorFaultCleared', atMs, channelId, from: from as Exclude<Quality, 'good'> };
  const groups = plan.groups.filter((g) => g.channelIds.includes(channelId)).map((g) => ({ groupId: g.id, policy: g.policy }));
  return { type: 'SensorFaultRaised', atMs, channelId, quality: to, groups };
}

const RANK: Readonly<Record<AlarmLevel, number>> = { normal: 0, alert: 1, danger: 2 };

/** Per group, in order: how its vote changed, then its alert and danger timer moves (from voteWindow's scratch). */
function groupEvents(
  state: ProtectionV2State,
  plan: ProtectionPlan,
  ws: readonly ChannelReading[],
  slot: Int32Array,
  atMs: number,
  out: ProtectionV2Event[] | null,
): ProtectionV2Event[] | null {
  const { alertPhase, dangerPhase, votesChanged } = plan.scratch;
  for (let gi = 0; gi < plan.groups.length; gi++) {
    const groupId = plan.groups[gi]!.id;
    const gs = state.groups[gi]!;
    if (votesChanged[gi] === 1) out = append(out, voteEvent(plan, gi, atMs, ws, slot));
    const a = alertPhase[gi]!;
    const d = dangerPhase[gi]!;
    if (a !== gs.alert.phase) out = append(out, { type: 'SetpointPhaseChanged', atMs, groupId, level: 'alert', from: gs.alert.phase, to: a });
    if (d !== gs.danger.phase) out = append(out, { type: 'SetpointPhaseChanged', atMs, groupId, level: 'danger', from: gs.danger.phase, to: d });
  }
  return out;
}

/** The trip path: one window of the asset. Allocates only the events it returns. */
function evaluateWindow(state: ProtectionV2State, cmd: EvaluateWindow, plan: ProtectionPlan): readonly ProtectionV2Event[] {
  let out: ProtectionV2Event[] | null = null;
  const atMs = cmd.atMs;
  const ws = cmd.channels;
  const slot = resolveSlots(ws, plan);

  for (let i = 0; i < slot.length; i++) {
    const s = slot[i]!;
    const q: Quality = s < 0 ? 'stale' : ws[s]!.quality;
    const prev = state.channels[i]!.quality;
    if (q !== prev) out = append(out, qualityEvent(plan, i, prev, q, atMs));
  }

  const op = operatingIndexOf(cmd.operatingState, plan);
  if (cmd.operatingState !== state.operatingState) {
    const tripMultiply = plan.config.tripMultiply[cmd.operatingState] ?? 1;
    out = append(out, { type: 'OperatingStateChanged', atMs, from: state.operatingState, to: cmd.operatingState, tripMultiply });
  }

  const voted = voteWindow(state, ws, atMs, plan, slot, op);
  if ((voted & WINDOW_CHANGED) !== 0) out = groupEvents(state, plan, ws, slot, atMs, out);

  const to: AlarmLevel = state.latched || (voted & WINDOW_DANGER_HELD) !== 0 ? 'danger' : (voted & WINDOW_ALERT_HELD) !== 0 ? 'alert' : 'normal';
  if (to === state.level) return out ?? NO_EVENTS;
  return levelChange(state, plan, cmd, op, slot, to, out ?? []);
}

/** Off the steady path: the asset's level changed this window; adds LevelChanged and, into danger, first-out and the trip. */
function levelChange(
  state: ProtectionV2State,
  plan: ProtectionPlan,
  cmd: EvaluateWindow,
  op: number,
  slot: Int32Array,
  to: AlarmLevel,
  out: ProtectionV2Event[],
): ProtectionV2Event[] {
  const up = RANK[to] > RANK[state.level];
  const level = up ? (to as 'alert' | 'danger') : (state.level as 'alert' | 'danger');
  const phases = level === 'alert' ? plan.scratch.alertPhase : plan.scratch.dangerPhase;
  const gi = sourceGroup(state, up, level, phases);
  const evidence = evidenceFor(plan, state, gi, level, op, cmd.channels, slot);
  const atMs = cmd.atMs;
  out.push({ type: 'LevelChanged', atMs, from: state.level, to, cause: 'setpoint', bypassed: state.bypass !== null, ...evidence });
  if (to !== 'danger') return out;
  if (state.firstOut === null) {
    const simultaneous = plan.groups.filter((g, i) => i !== gi && isHeld(phases[i]!) && !isHeld(state.groups[i]!.danger.phase)).map((g) => g.id);
    out.push({ type: 'FirstOutRecorded', atMs, simultaneous, ...evidence });
  }
  if (state.bypass !== null) {
    out.push({ type: 'TripSuppressedByBypass', atMs, bypassedBy: state.bypass.by, bypassReason: state.bypass.reason, ...evidence });
  } else if (!state.latched) {
    out.push({ type: 'TripDecided', atMs, cause: 'setpoint', ...evidence });
  }
  return out;
}

/** The group id an operator's emergency stop is recorded under. */
export const OPERATOR_TRIP_GROUP = 'operator';

/**
 * An emergency stop: the asset goes to danger (a latched trip is a danger, as for a setpoint), the
 * stop is the first-out if nothing reached danger before it, and the trip is decided. Always
 * decided, latched or not, bypassed or not: the controller must get every stop a person sends.
 */
function operatorTrip(state: ProtectionV2State, atMs: number): readonly ProtectionV2Event[] {
  const evidence = { groupId: OPERATOR_TRIP_GROUP, channelIds: [], faultedChannelIds: [], value: Number.NaN, setpoint: Number.NaN, tripMultiply: 1 };
  const out: ProtectionV2Event[] = [];
  if (state.level !== 'danger') out.push({ type: 'LevelChanged', atMs, from: state.level, to: 'danger', cause: 'operator', bypassed: state.bypass !== null, ...evidence });
  if (state.firstOut === null) out.push({ type: 'FirstOutRecorded', atMs, simultaneous: [], ...evidence });
  out.push({ type: 'TripDecided', atMs, cause: 'operator', ...evidence });
  return out;
}

/** The group an adopted trip is recorded under: another engine decided it, this one only holds it. */
export const ADOPTED_TRIP_GROUP = 'taken-over';

/** AdoptLatch: danger and latched as the trip left the asset, with no trip decision (nothing is sent again). */
function adoptLatch(state: ProtectionV2State, cmd: AdoptLatch): readonly ProtectionV2Event[] {
  if (state.latched) return NO_EVENTS;
  const evidence = { groupId: ADOPTED_TRIP_GROUP, channelIds: [], faultedChannelIds: [], value: Number.NaN, setpoint: Number.NaN, tripMultiply: 1 };
  const out: ProtectionV2Event[] = [];
  if (state.level !== 'danger') out.push({ type: 'LevelChanged', atMs: cmd.atMs, from: state.level, to: 'danger', cause: 'adopted', bypassed: state.bypass !== null, ...evidence });
  if (state.firstOut === null) out.push({ type: 'FirstOutRecorded', atMs: cmd.atMs, simultaneous: [], ...evidence });
  out.push({ type: 'LatchAdopted', atMs: cmd.atMs, from: cmd.from, commandId: cmd.commandId, reason: cmd.reason });
  return out;
}

/** ResetLatch: accepted only when latched and no group's danger timer is running or held. */
function resetLatch(state: ProtectionV2State, atMs: number, by: string): readonly ProtectionV2Event[] {
  if (!state.latched) return [{ type: 'ResetRefused', atMs, by, reason: 'nothing is latched', holding: [] }];
  const holding = state.groups
    .filter((g) => g.danger.phase !== 'off')
    .map((g) => ({ groupId: g.groupId, phase: g.danger.phase, sinceMs: g.danger.sinceMs }));
  if (holding.length > 0) {
    const what = holding.map((h) => `${h.groupId} (${h.phase === 'pending-off' ? 'off-delay running' : h.phase === 'pending-on' ? 'on-delay running' : 'at danger'} since ${h.sinceMs} ms)`);
    return [{ type: 'ResetRefused', atMs, by, reason: `danger condition still holds: ${what.join(', ')}`, holding }];
  }
  const to: AlarmLevel = state.groups.some((g) => isHeld(g.alert.phase)) ? 'alert' : 'normal';
  const fo = state.firstOut;
  const evidence = fo
    ? { groupId: fo.groupId, channelIds: [], faultedChannelIds: [], value: Number.NaN, setpoint: fo.setpoint, tripMultiply: fo.tripMultiply }
    : { groupId: state.groups[0]?.groupId ?? '', channelIds: [], faultedChannelIds: [], value: Number.NaN, setpoint: Number.NaN, tripMultiply: 1 };
  // An emergency stop latches without changing the level: its reset may leave the level where it is.
  if (to === state.level) return [{ type: 'LatchReset', atMs, by }];
  return [
    { type: 'LatchReset', atMs, by },
    { type: 'LevelChanged', atMs, from: state.level, to, cause: 'reset', bypassed: state.bypass !== null, ...evidence },
  ];
}

/**
 * Events caused by a command; never mutates `state`, which must have been built from
 * initialProtectionV2State(plan) of the same plan. A repeated Bypass, or a RemoveBypass when none is
 * active, changes nothing and so records nothing. Ending a bypass while a danger is held trips at
 * once: the bypass only ever delayed that trip.
 */
export function decideProtection(state: ProtectionV2State, cmd: ProtectionV2Command, plan: ProtectionPlan): readonly ProtectionV2Event[] {
  switch (cmd.type) {
    case 'EvaluateWindow':
      return evaluateWindow(state, cmd, plan);
    case 'ResetLatch':
      return resetLatch(state, cmd.atMs, cmd.by);
    case 'Bypass':
      return state.bypass ? NO_EVENTS : [{ type: 'Bypassed', atMs: cmd.atMs, by: cmd.by, reason: cmd.reason }];
    case 'OperatorTrip':
      return operatorTrip(state, cmd.atMs);
    case 'AdoptLatch':
      return adoptLatch(state, cmd);
    case 'RemoveBypass': {
      if (!state.bypass) return NO_EVENTS;
      const removed: ProtectionV2Event = { type: 'BypassRemoved', atMs: cmd.atMs, by: cmd.by, bypassedSinceMs: state.bypass.sinceMs };
      if (state.level !== 'danger' || state.latched || state.firstOut === null) return [removed];
      const { atMs: _recordedAtMs, ...evidence } = state.firstOut;
      return [removed, { type: 'TripDecided', atMs: cmd.atMs, cause: 'bypass-removed', ...evidence }];
    }
  }
}

/** The state after an event. Allocates only for the part that changed, always in the shapes of protectionState.ts. */
export function evolveProtection(state: ProtectionV2State, e: ProtectionV2Event): ProtectionV2State {
  switch (e.type) {
    case 'SetpointPhaseChanged': {
      const t = timer(e.to, e.atMs);
      const groups = state.groups.map((g) =>
        g.groupId !== e.groupId ? g : groupState(g.groupId, e.level === 'alert' ? t : g.alert, e.level === 'danger' ? t : g.danger, g.votes),
      );
      return stateWith(state, { groups });
    }
    case 'LevelChanged':
      return stateWith(state, { level: e.to, firstOut: e.from === 'danger' ? null : state.firstOut });
    case 'FirstOutRecorded': {
      const { atMs, groupId, channelIds, faultedChannelIds, value, setpoint, tripMultiply } = e;
      return stateWith(state, { firstOut: { atMs, groupId, channelIds, faultedChannelIds, value, setpoint, tripMultiply } });
    }
    case 'TripDecided':
      return stateWith(state, { latched: true });
    case 'LatchReset':
      return stateWith(state, { latched: false });
    case 'LatchAdopted':
      return stateWith(state, { latched: true });
    case 'Bypassed':
      return stateWith(state, { bypass: { by: e.by, reason: e.reason, sinceMs: e.atMs } });
    case 'BypassRemoved':
      return stateWith(state, { bypass: null });
    case 'VoteDegraded':
    case 'VoteRestored': {
      const groups = state.groups.map((g) =>
        g.groupId !== e.groupId ? g : groupState(g.groupId, g.alert, g.danger, e.type === 'VoteDegraded' ? e.channels.map((c) => c.status) : g.votes.map((): ChannelVoteStatus => 'ok')),
      );
      return stateWith(state, { groups });
    }
    case 'SensorFaultRaised':
    case 'SensorFaultCleared': {
      const quality = e.type === 'SensorFaultRaised' ? e.quality : 'good';
      return stateWith(state, { channels: state.channels.map((c) => (c.channelId === e.channelId ? channelState(c.channelId, quality) : c)) });
    }
    case 'OperatingStateChanged':
      return stateWith(state, { operatingState: e.to });
    case 'TripSuppressedByBypass':
    case 'ResetRefused':
      return state;
  }
}

/** Applies a command: the events it causes and the resulting state. */
export function handleProtection(
  state: ProtectionV2State,
  cmd: ProtectionV2Command,
  plan: ProtectionPlan,
): { state: ProtectionV2State; events: readonly ProtectionV2Event[] } {
  const events = decideProtection(state, cmd, plan);
  let next = state;
  for (const e of events) next = evolveProtection(next, e);
  return { state: next, events };
}
