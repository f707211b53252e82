import type { Diagnosis } from './features';
import type { Quality, RejectReason } from './frame';

/** Protection levels of an asset (the ISA-18.2 alarm states built on them live in engine/alarm). */
export type AlarmLevel = 'normal' | 'alert' | 'danger';
/** What a setpoint group watches: the learned score, ISO velocity, or one named feature. */
export type SetpointSource = 'score' | 'velocity' | 'feature';
/** What decided a trip: a setpoint group's quantity, or a person's emergency stop. */
export type TripSource = SetpointSource | 'operator';

/** Emitted once per scored window. */
export interface ScoreComputed {
  type: 'ScoreComputed';
  assetId: string;
  /** The channel whose window was scored. */
  channelId: string;
  endMs: number;
  score: number;
  velocityRmsMmS: number;
  modelVersion: string;
  level: AlarmLevel;
}

/** The asset's alarm level changed (after on-delay). */
export interface AlarmLevelChanged {
  type: 'AlarmLevelChanged';
  assetId: string;
  atMs: number;
  from: AlarmLevel;
  to: AlarmLevel;
  /** Which setpoint drove the new level (the first out), or an operator's emergency stop. */
  source: TripSource;
  value: number;
  setpoint: number;
  modelVersion: string;
  diagnosis: Diagnosis | null;
  /** The setpoint group (absent in records written before voted protection). */
  groupId?: string;
  /** Channels whose value was at or above the level. */
  channelIds?: string[];
  /** 'reset': an engineer released a latched danger; 'operator': an emergency stop (value and setpoint 0); 'adopted': a trip taken over from another engine. */
  cause?: 'setpoint' | 'reset' | 'operator' | 'adopted';
  /** The protection configuration version in force. */
  configVersion?: string;
}

/** A trip was sent to the actuator. Emitted after the actuator call returned, never before. */
export interface TripRequested {
  type: 'TripRequested';
  assetId: string;
  /** When the voted, delayed condition became true (engine clock). */
  decidedAtMs: number;
  /** When the actuator accepted the command. */
  commandedAtMs: number;
  /** Monotonic microseconds from frame arrival to actuator return. */
  latencyUs: number;
  source: TripSource;
  value: number;
  setpoint: number;
  modelVersion: string;
  diagnosis: Diagnosis | null;
  /** The setpoint group that tripped (absent in records written before voted protection). */
  groupId?: string;
  /** Channels whose value was at or above danger. */
  channelIds?: string[];
  /** Faulted channels counted as trip votes (policy vote-as-tripped): a quality-driven trip, never silent. */
  faultedChannelIds?: string[];
  /** 'bypass-removed': a danger held through a bypass tripped when the bypass ended; 'operator': an emergency stop (value and setpoint 0). */
  cause?: 'setpoint' | 'bypass-removed' | 'operator';
  /** Who sent an emergency stop, and why. */
  by?: string;
  reason?: string;
  /** The protection configuration version in force. */
  configVersion?: string;
}

/**
 * The asset's operating state changed (running, startup, stopped), with the trip multiply now in
 * force. A stopped machine's alarms are suppressed by design (ISA-18.2): they cannot mean a fault.
 */
export interface OperatingStateChanged {
  type: 'OperatingStateChanged';
  assetId: string;
  atMs: number;
  from: 'running' | 'startup' | 'stopped';
  to: 'running' | 'startup' | 'stopped';
  tripMultiply: number;
}

/**
 * Everything else protection concludes that a person must see: sensor faults and how each group
 * now votes, bypasses (the visible indicator), trips withheld by a bypass, the first-out, latch
 * resets and refused resets. `detail` is the sentence the console shows.
 */
export interface ProtectionNotice {
  type: 'ProtectionNotice';
  assetId: string;
  atMs: number;
  kind:
    | 'sensor_fault'
    | 'sensor_restored'
    | 'vote_degraded'
    | 'vote_restored'
    | 'bypassed'
    | 'bypass_removed'
    | 'trip_suppressed_by_bypass'
    | 'first_out'
    | 'latch_reset'
    | 'latch_adopted'
    | 'reset_refused'
    | 'config_applied';
  detail: string;
  /** The channel concerned, for sensor notices. */
  channelId?: string;
  /** The setpoint group concerned. */
  groupId?: string;
  /** Who, for operator commands. */
  by?: string;
}

export interface QualityChanged {
  type: 'QualityChanged';
  assetId: string;
  channelId: string;
  atMs: number;
  from: Quality;
  to: Quality;
  reason: string;
}

export interface FrameRejected {
  type: 'FrameRejected';
  assetId: string;
  channelId: string;
  reason: RejectReason;
  detail: string;
}

export interface CommissioningCompleted {
  type: 'CommissioningCompleted';
  assetId: string;
  atMs: number;
  modelVersion: string;
  windows: number;
}

/** What moved a model into production. */
export type PromotionTrigger = 'commissioning' | 'schedule' | 'feedback' | 'rollback' | 'regime';

/** Figures of the validation a candidate model went through before it could score in production. */
export interface PromotionValidation {
  /** Recent normal windows held out from learning, scored by the candidate. */
  heldOutWindows: number;
  heldOutMaxScore: number;
  /** Stored confirmed-fault episodes, and how many the candidate still alarms on. */
  confirmedFaults: number;
  confirmedFaultsAlarmed: number;
  passed: boolean;
  reason: string | null;
}

/** A channel's production model changed, between two windows (every later score carries `toVersion`). */
export interface ModelPromoted {
  type: 'ModelPromoted';
  assetId: string;
  channelId: string;
  atMs: number;
  fromVersion: string | null;
  toVersion: string;
  trigger: PromotionTrigger;
  by: string;
  reason: string;
  validation: PromotionValidation | null;
  /** ms from the decision to promote to the swap (quantize, build, load, validate). */
  elapsedMs: number;
}

/** A candidate failed validation; production keeps the model it had. */
export interface ModelPromotionRejected {
  type: 'ModelPromotionRejected';
  assetId: string;
  channelId: string;
  atMs: number;
  candidateVersion: string;
  trigger: PromotionTrigger;
  validation: PromotionValidation;
}

/**
 * Something changed that the model of normal must not simply absorb. `operating_regime`: the shaft
 * speed settled outside every commissioned band (a new regime is commissioned or a stored one
 * resumes, instead of an alarm flood). `suspected_fault`: the score rose steadily at unchanged
 * speed, so online learning stops until an operator confirms the data is normal.
 */
export interface DriftDetected {
  type: 'DriftDetected';
  assetId: string;
  channelId: string;
  atMs: number;
  kind: 'operating_regime' | 'suspected_fault';
  detail: string;
  /** What the engine did about it. */
  action: 'commissioning_regime' | 'resumed_regime' | 'learning_paused';
}

/** Online learning of a channel resumed (operator confirmation or a new regime's model). */
export interface LearningResumed {
  type: 'LearningResumed';
  assetId: string;
  channelId: string;
  atMs: number;
  by: string;
  reason: string;
}

export type EngineEvent =
  | ModelPromoted
  | ModelPromotionRejected
  | DriftDetected
  | LearningResumed
  | ScoreComputed
  | AlarmLevelChanged
  | TripRequested
  | OperatingStateChanged
  | ProtectionNotice
  | QualityChanged
  | FrameRejected
  | CommissioningCompleted;
