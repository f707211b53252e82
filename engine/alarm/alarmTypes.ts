/**
 * Types of the alarm decider: configuration, state, commands and events of one alarm.
 *
 * The state is stored the way OPC UA Part 9 stores an AlarmConditionType: orthogonal sub-states
 * (ActiveState, AckedState, ShelvingState, SuppressedState, OutOfServiceState). What operators and
 * auditors read is the ISA-18.2 / IEC 62682 state name derived from them ({@link AlarmStateName}).
 * Keeping the sub-states separate lets the process condition be tracked while the alarm is hidden,
 * so that when it is shown again it shows the truth.
 */

/** The four priorities, most urgent first; a fixed list so that a priority cannot be misspelled. */
export const ALARM_PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;

/** Alarm priority (ISA-18.2 recommends three or four); it travels on every event so the journal can be filtered by it. */
export type AlarmPriority = (typeof ALARM_PRIORITIES)[number];

/**
 * What identifies one alarm and how it may be handled. One alarm is one (assetId, alarmKey) pair,
 * e.g. ('pump-101', 'score.alert'), so every event can be attributed without a lookup.
 */
export interface AlarmConfig {
  readonly assetId: string;
  readonly alarmKey: string;
  readonly priority: AlarmPriority;
  /**
   * Longest shelve an operator may ask for. ISA-18.2 requires shelving to be time-limited so a
   * shelved alarm cannot be forgotten; a longer request is refused rather than clipped, so the
   * operator knows what they got.
   */
  readonly maxShelveMs: number;
}

/**
 * ISA-18.2 / IEC 62682 alarm state names (the states of the ISA-18.2 state diagram, without
 * latching, which Vigil's trip latch handles elsewhere).
 */
export type AlarmStateName =
  | 'normal'
  | 'active-unacknowledged'
  | 'active-acknowledged'
  | 'returned-unacknowledged'
  | 'shelved'
  | 'suppressed-by-design'
  | 'out-of-service';

/** The abbreviations ISA-18.2 uses for its states, for compact displays and journal exports. */
export const ISA_STATE_CODE: Readonly<Record<AlarmStateName, string>> = {
  normal: 'NORM',
  'active-unacknowledged': 'UNACK',
  'active-acknowledged': 'ACKED',
  'returned-unacknowledged': 'RTNUN',
  shelved: 'SHLVD',
  'suppressed-by-design': 'DSUPR',
  'out-of-service': 'OOSRV',
};

/** The process condition while it is true; kept so the operator sees what value crossed which setpoint. */
export interface AlarmActivation {
  readonly sinceMs: number;
  /** Value that crossed the setpoint, in the unit of the alarm's measurement. */
  readonly value: number;
  /** Setpoint that was crossed, in the same unit as `value`. */
  readonly setpoint: number;
}

/** Who took a non-annunciating action, why, and since when: what an auditor asks first. */
export interface AlarmHold {
  readonly by: string;
  readonly reason: string;
  readonly sinceMs: number;
}

/** A running shelve; `untilMs` is when it expires on its own. */
export interface AlarmShelve extends AlarmHold {
  readonly untilMs: number;
}

/**
 * State of one alarm as OPC UA Part 9 sub-states. Use `alarmStateName` for the ISA-18.2 name and
 * `annunciated` for whether it belongs in the operator's active list; do not read the flags ad hoc.
 */
export interface AlarmState {
  readonly config: AlarmConfig;
  /** ActiveState: the process condition, tracked even while the alarm is hidden; null when normal. */
  readonly activation: AlarmActivation | null;
  /**
   * AckedState. Only meaningful while the alarm is annunciated: when it comes back from being
   * hidden it is recomputed from the condition (active → unacknowledged, since nobody saw it).
   */
  readonly acknowledged: boolean;
  /** ShelvingState: a temporary operator choice, always with an expiry. */
  readonly shelve: AlarmShelve | null;
  /** SuppressedState (by design): process logic, e.g. the machine is stopped. */
  readonly suppression: AlarmHold | null;
  /** OutOfServiceState: an engineer removed the alarm from service (e.g. a broken sensor). */
  readonly outOfService: AlarmHold | null;
}

/** Commands the decider accepts. Every one carries `atMs` so the decider never reads a clock. */
export type AlarmCommand =
  /** The process condition became true. */
  | { readonly type: 'Activate'; readonly atMs: number; readonly value: number; readonly setpoint: number }
  /** The process condition returned to normal. */
  | { readonly type: 'Clear'; readonly atMs: number }
  /** An operator acknowledges; the note is optional but journaled when given. */
  | { readonly type: 'Acknowledge'; readonly atMs: number; readonly by: string; readonly note?: string }
  /** An operator shelves the alarm for `durationMs` (at most `maxShelveMs`); the reason is required. */
  | { readonly type: 'Shelve'; readonly atMs: number; readonly by: string; readonly reason: string; readonly durationMs: number }
  /** An operator ends a shelve early. */
  | { readonly type: 'Unshelve'; readonly atMs: number; readonly by: string }
  /** Time passed: lets a due shelve expire. */
  | { readonly type: 'Tick'; readonly atMs: number }
  /** Design logic hides the alarm (e.g. by 'machine-state', reason 'machine stopped'). */
  | { readonly type: 'Suppress'; readonly atMs: number; readonly by: string; readonly reason: string }
  /** Design logic stops hiding the alarm. */
  | { readonly type: 'Unsuppress'; readonly atMs: number; readonly by: string; readonly reason: string }
  /** An engineer removes the alarm from service. */
  | { readonly type: 'RemoveFromService'; readonly atMs: number; readonly by: string; readonly reason: string }
  /** An engineer returns the alarm to service. */
  | { readonly type: 'ReturnToService'; readonly atMs: number; readonly by: string; readonly reason: string };

/**
 * Fields on every event, so each journal line stands alone: when, which alarm, how urgent, and
 * the ISA-18.2 state the alarm is in after it (what the operator's screen showed from then on).
 */
export interface AlarmEventBase {
  readonly atMs: number;
  readonly assetId: string;
  readonly alarmKey: string;
  readonly priority: AlarmPriority;
  readonly stateAfter: AlarmStateName;
}

/**
 * Events of one alarm, past tense. The stream of them is the alarm journal (ISA-18.2 alarm
 * history), refusals included, so "who tried what and why was it refused" is answerable too.
 */
export type AlarmEvent =
  | (AlarmEventBase & { readonly type: 'AlarmActivated'; readonly value: number; readonly setpoint: number })
  | (AlarmEventBase & { readonly type: 'AlarmCleared' })
  | (AlarmEventBase & { readonly type: 'AlarmAcknowledged'; readonly by: string; readonly note: string | null })
  | (AlarmEventBase & { readonly type: 'AlarmShelved'; readonly by: string; readonly reason: string; readonly durationMs: number; readonly untilMs: number })
  | (AlarmEventBase & { readonly type: 'AlarmUnshelved'; readonly by: string })
  | (AlarmEventBase & { readonly type: 'ShelveExpired'; readonly shelvedBy: string; readonly shelveReason: string; readonly untilMs: number })
  | (AlarmEventBase & { readonly type: 'AlarmSuppressed'; readonly by: string; readonly reason: string })
  | (AlarmEventBase & { readonly type: 'AlarmUnsuppressed'; readonly by: string; readonly reason: string })
  | (AlarmEventBase & { readonly type: 'AlarmRemovedFromService'; readonly by: string; readonly reason: string })
  | (AlarmEventBase & { readonly type: 'AlarmReturnedToService'; readonly by: string; readonly reason: string })
  | (AlarmEventBase & { readonly type: 'CommandRefused'; readonly command: AlarmCommand['type']; readonly by: string | null; readonly reason: string });

/** The type tags of {@link AlarmEvent}, for exhaustive switches and journal filters. */
export type AlarmEventType = AlarmEvent['type'];
