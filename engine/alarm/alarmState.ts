import type { AlarmConfig, AlarmEvent, AlarmState, AlarmStateName } from './alarmTypes';

/**
 * Reading and folding alarm state: the ISA-18.2 name, whether it is annunciated, and `evolve`.
 * Kept apart from `decide` so the journal can be replayed (e.g. to rebuild the active list after
 * a restart) without the command side.
 */

/**
 * A new alarm: condition normal, nothing to acknowledge, in service. Throws on a configuration
 * that could never shelve (non-positive or non-finite `maxShelveMs`): that is a setup bug to catch
 * at start-up, not a runtime refusal.
 */
export function initialAlarmState(config: AlarmConfig): AlarmState {
  if (!Number.isFinite(config.maxShelveMs) || config.maxShelveMs <= 0) {
    throw new RangeError(`alarm ${config.assetId}/${config.alarmKey}: maxShelveMs must be a positive finite number, got ${config.maxShelveMs}`);
  }
  return { config, activation: null, acknowledged: true, shelve: null, suppression: null, outOfService: null };
}

/**
 * The hiding layer that names a hidden alarm, or null when none hides it. Precedence follows who
 * owns the decision and how long it lasts: out of service (an engineer, change-managed) over
 * suppressed by design (process logic) over shelved (one operator, time-limited).
 */
export function hiddenStateName(state: Pick<AlarmState, 'shelve' | 'suppression' | 'outOfService'>): AlarmStateName | null {
  if (state.outOfService) return 'out-of-service';
  if (state.suppression) return 'suppressed-by-design';
  if (state.shelve) return 'shelved';
  return null;
}

/**
 * The ISA-18.2 state name of an alarm, derived from its OPC UA sub-states:
 * - hidden (out of service, suppressed by design, shelved) → that name, whatever the condition;
 * - otherwise active & unacknowledged → UNACK, active & acknowledged → ACKED,
 *   not active & unacknowledged → RTNUN, not active & acknowledged → normal.
 */
export function alarmStateName(state: AlarmState): AlarmStateName {
  const hidden = hiddenStateName(state);
  if (hidden) return hidden;
  if (state.activation) return state.acknowledged ? 'active-acknowledged' : 'active-unacknowledged';
  return state.acknowledged ? 'normal' : 'returned-unacknowledged';
}

/**
 * Whether the alarm belongs in the operator's active alarm list (ISA-18.2: UNACK, ACKED and RTNUN
 * are annunciated; normal, shelved, suppressed and out-of-service alarms are not). A standing
 * acknowledged alarm stays listed so the operator keeps seeing an abnormal process.
 */
export function annunciated(state: AlarmState): boolean {
  const name = alarmStateName(state);
  return name === 'active-unacknowledged' || name === 'active-acknowledged' || name === 'returned-unacknowledged';
}

/**
 * When the last hiding layer goes, the alarm shows what its condition implies: active → UNACK
 * (nobody acknowledged what happened while it was hidden), not active → normal (the pending
 * acknowledgement of a return to normal is dropped: there is nothing left to see).
 */
function reveal(state: AlarmState): AlarmState {
  return hiddenStateName(state) ? state : { ...state, acknowledged: state.activation === null };
}

/**
 * The state after one event. Pure and total: replaying the journal with it rebuilds the state,
 * and `CommandRefused` changes nothing (refusals are recorded, not applied).
 */
export function evolve(state: AlarmState, event: AlarmEvent): AlarmState {
  switch (event.type) {
    case 'AlarmActivated':
      return { ...state, activation: { sinceMs: event.atMs, value: event.value, setpoint: event.setpoint }, acknowledged: false };
    case 'AlarmCleared':
      return { ...state, activation: null };
    case 'AlarmAcknowledged':
      return { ...state, acknowledged: true };
    case 'AlarmShelved':
      return { ...state, shelve: { by: event.by, reason: event.reason, sinceMs: event.atMs, untilMs: event.untilMs } };
    case 'AlarmUnshelved':
    case 'ShelveExpired':
      return reveal({ ...state, shelve: null });
    case 'AlarmSuppressed':
      return { ...state, suppression: { by: event.by, reason: event.reason, sinceMs: event.atMs } };
    case 'AlarmUnsuppressed':
      return reveal({ ...state, suppression: null });
    case 'AlarmRemovedFromService':
      return { ...state, outOfService: { by: event.by, reason: event.reason, sinceMs: event.atMs } };
    case 'AlarmReturnedToService':
      return reveal({ ...state, outOfService: null });
    case 'CommandRefused':
      return state;
  }
}

/** Folds a journal into a state: how the active list is rebuilt after a restart. */
export function replayAlarm(initial: AlarmState, events: readonly AlarmEvent[]): AlarmState {
  return events.reduce(evolve, initial);
}
