import { alarmStateName, evolve, hiddenStateName } from './alarmState';
import type { AlarmCommand, AlarmEvent, AlarmEventBase, AlarmState, AlarmStateName } from './alarmTypes';

// One import path for callers: the decider, its state functions and its types.
export { alarmStateName, annunciated, evolve, hiddenStateName, initialAlarmState, replayAlarm } from './alarmState';
export * from './alarmTypes';

/**
 * The ISA-18.2 / IEC 62682 alarm state machine of one alarm, as a decider (OPC UA Part 9
 * sub-states inside, ISA-18.2 names outside). `decide` is pure: no clock, no I/O, time arrives in
 * every command, so live operation, replays and tests run the same rules and the emitted events
 * are the alarm journal.
 *
 * Rules, the ones the tests pin down:
 *
 * Annunciated states (the ISA-18.2 diagram):
 * - Activate while normal → UNACK; Activate while RTNUN → UNACK (a new occurrence needs a new ack).
 * - Clear while UNACK → RTNUN; Clear while ACKED → normal.
 * - Acknowledge while UNACK → ACKED; Acknowledge while RTNUN → normal.
 *
 * Hidden states (out of service > suppressed by design > shelved, see `hiddenStateName`):
 * - the condition is still tracked (Activate/Clear are applied and journaled) but nothing is
 *   annunciated and nothing can be acknowledged;
 * - when the last hiding layer ends the alarm shows what its condition implies: active → UNACK,
 *   not active → normal.
 *
 * Two kinds of input, two policies:
 * - Process inputs (Activate, Clear, Suppress, Unsuppress, Tick) report a level. Repeating the
 *   current level is a no-op that emits nothing, so a source that re-sends its level every window
 *   does not flood the journal. They are never refused: the process is what it is.
 * - People's commands (Acknowledge, Shelve, Unshelve, RemoveFromService, ReturnToService) that do
 *   not apply are refused with a `CommandRefused` event carrying the reason, so refusals are
 *   journaled too. Every one needs a non-blank `by`; checks run in the order listed below and the
 *   first that fails is the reason given.
 *   - Acknowledge: only in UNACK or RTNUN (refused when normal, already acknowledged, shelved,
 *     suppressed or out of service). The note is optional and journaled (null when absent).
 *   - Shelve: refused when out of service (an engineer owns it), already shelved (unshelve first,
 *     so every shelve has one clear reason and expiry), without a reason, with a duration that is
 *     not a positive number, or longer than `maxShelveMs` (refused, not clipped). Allowed in any
 *     other state, including normal (pre-emptively shelving a chattering alarm) and suppressed.
 *   - Unshelve: refused when not shelved.
 *   - RemoveFromService: refused when already out of service or without a reason. A running shelve
 *     is left in place and keeps its expiry.
 *   - ReturnToService: refused when in service or without a reason.
 *
 * Shelve expiry: a shelve expires at `untilMs`. `Tick` emits `ShelveExpired` once the time has
 * come; so does any other command arriving at or after `untilMs`, before that command is decided,
 * so a late tick can never keep an alarm hidden past its expiry.
 */
export function decide(command: AlarmCommand, state: AlarmState): AlarmEvent[] {
  const expired = dueExpiry(command.atMs, state);
  if (!expired) return decideNow(command, state);
  return [expired, ...decideNow(command, evolve(state, expired))];
}

/** Applies a command: the events it causes and the state they lead to; how callers drive one alarm. */
export function handle(command: AlarmCommand, state: AlarmState): { state: AlarmState; events: AlarmEvent[] } {
  const events = decide(command, state);
  return { state: events.reduce(evolve, state), events };
}

/** The fields every event of this alarm carries. */
function base(state: AlarmState, atMs: number, stateAfter: AlarmStateName): AlarmEventBase {
  const { assetId, alarmKey, priority } = state.config;
  return { atMs, assetId, alarmKey, priority, stateAfter };
}

/** What the alarm shows once a hiding layer is gone: the next layer, else what the condition implies. */
function revealedName(rest: Pick<AlarmState, 'shelve' | 'suppression' | 'outOfService'>, state: AlarmState): AlarmStateName {
  return hiddenStateName(rest) ?? (state.activation ? 'active-unacknowledged' : 'normal');
}

function dueExpiry(atMs: number, state: AlarmState): AlarmEvent | null {
  const shelve = state.shelve;
  if (!shelve || !(atMs >= shelve.untilMs)) return null;
  return {
    ...base(state, atMs, revealedName({ ...state, shelve: null }, state)),
    type: 'ShelveExpired',
    shelvedBy: shelve.by,
    shelveReason: shelve.reason,
    untilMs: shelve.untilMs,
  };
}

function isBlank(text: unknown): boolean {
  return typeof text !== 'string' || text.trim() === '';
}

function refuse(command: AlarmCommand, state: AlarmState, reason: string): AlarmEvent[] {
  const by = 'by' in command && typeof command.by === 'string' ? command.by : null;
  return [{ ...base(state, command.atMs, alarmStateName(state)), type: 'CommandRefused', command: command.type, by, reason }];
}

/** Why an acknowledgement does not apply in each state; UNACK and RTNUN are absent because it does. */
const ACK_REFUSAL: Partial<Record<AlarmStateName, string>> = {
  normal: 'nothing to acknowledge: the alarm is normal',
  'active-acknowledged': 'the alarm is already acknowledged',
  shelved: 'the alarm is shelved and not annunciated: unshelve it to acknowledge',
  'suppressed-by-design': 'the alarm is suppressed by design and not annunciated',
  'out-of-service': 'the alarm is out of service',
};

function decideNow(command: AlarmCommand, state: AlarmState): AlarmEvent[] {
  const name = alarmStateName(state);
  const hidden = hiddenStateName(state);
  switch (command.type) {
    case 'Tick':
      return [];
    case 'Activate':
      if (state.activation) return [];
      return [{ ...base(state, command.atMs, hidden ?? 'active-unacknowledged'), type: 'AlarmActivated', value: command.value, setpoint: command.setpoint }];
    case 'Clear':
      if (!state.activation) return [];
      return [{ ...base(state, command.atMs, hidden ?? (name === 'active-unacknowledged' ? 'returned-unacknowledged' : 'normal')), type: 'AlarmCleared' }];
    case 'Acknowledge': {
      if (isBlank(command.by)) return refuse(command, state, 'who acknowledges is required');
      const refusal = ACK_REFUSAL[name];
      if (refusal) return refuse(command, state, refusal);
      const stateAfter = name === 'active-unacknowledged' ? 'active-acknowledged' : 'normal';
      const note = typeof command.note === 'string' && command.note.trim() !== '' ? command.note : null;
      return [{ ...base(state, command.atMs, stateAfter), type: 'AlarmAcknowledged', by: command.by, note }];
    }
    case 'Shelve':
      return decideShelve(command, state);
    case 'Unshelve':
      if (isBlank(command.by)) return refuse(command, state, 'who unshelves is required');
      if (!state.shelve) return refuse(command, state, 'the alarm is not shelved');
      return [{ ...base(state, command.atMs, revealedName({ ...state, shelve: null }, state)), type: 'AlarmUnshelved', by: command.by }];
    case 'Suppress':
      if (state.suppression) return [];
      return [{ ...base(state, command.atMs, hiddenStateName({ ...state, suppression: hold(command) }) ?? 'suppressed-by-design'), type: 'AlarmSuppressed', by: command.by, reason: command.reason }];
    case 'Unsuppress':
      if (!state.suppression) return [];
      return [{ ...base(state, command.atMs, revealedName({ ...state, suppression: null }, state)), type: 'AlarmUnsuppressed', by: command.by, reason: command.reason }];
    case 'RemoveFromService':
      if (isBlank(command.by)) return refuse(command, state, 'who removes the alarm from service is required');
      if (state.outOfService) return refuse(command, state, 'the alarm is already out of service');
      if (isBlank(command.reason)) return refuse(command, state, 'a reason for removing the alarm from service is required');
      return [{ ...base(state, command.atMs, 'out-of-service'), type: 'AlarmRemovedFromService', by: command.by, reason: command.reason }];
    case 'ReturnToService':
      if (isBlank(command.by)) return refuse(command, state, 'who returns the alarm to service is required');
      if (!state.outOfService) return refuse(command, state, 'the alarm is already in service');
      if (isBlank(command.reason)) return refuse(command, state, 'a reason for returning the alarm to service is required');
      return [{ ...base(state, command.atMs, revealedName({ ...state, outOfService: null }, state)), type: 'AlarmReturnedToService', by: command.by, reason: command.reason }];
  }
}

function hold(command: { atMs: number; by: string; reason: string }) {
  return { by: command.by, reason: command.reason, sinceMs: command.atMs };
}

function decideShelve(command: Extract<AlarmCommand, { type: 'Shelve' }>, state: AlarmState): AlarmEvent[] {
  const { durationMs } = command;
  const maxShelveMs = state.config.maxShelveMs;
  if (isBlank(command.by)) return refuse(command, state, 'who shelves is required');
  if (state.outOfService) return refuse(command, state, 'the alarm is out of service and cannot be shelved');
  if (state.shelve) return refuse(command, state, `the alarm is already shelved until ${state.shelve.untilMs} ms: unshelve it first`);
  if (isBlank(command.reason)) return refuse(command, state, 'a reason for shelving is required');
  if (typeof durationMs !== 'number' || !Number.isFinite(durationMs) || durationMs <= 0) {
    return refuse(command, state, `the shelve duration must be a positive number of milliseconds, got ${durationMs}`);
  }
  if (durationMs > maxShelveMs) return refuse(command, state, `a shelve of ${durationMs} ms exceeds the maximum of ${maxShelveMs} ms`);
  const untilMs = command.atMs + durationMs;
  const stateAfter = hiddenStateName({ ...state, shelve: { ...hold(command), untilMs } }) ?? 'shelved';
  return [{ ...base(state, command.atMs, stateAfter), type: 'AlarmShelved', by: command.by, reason: command.reason, durationMs, untilMs }];
}
