import type { Diagnosis } from './features';
import type { Quality, RejectReason } from './frame';

/** Alarm levels of the first protection version; ISA-18.2 states come with issue 4. */
export type AlarmLevel = 'normal' | 'alert' | 'danger';
/** What a setpoint watches. */
export type SetpointSource = 'score' | 'velocity';

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
  /** Which setpoint drove the new level (the first out). */
  source: SetpointSource;
  value: number;
  setpoint: number;
  modelVersion: string;
  diagnosis: Diagnosis | null;
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
  source: SetpointSource;
  value: number;
  setpoint: number;
  modelVersion: string;
  diagnosis: Diagnosis | null;
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
  | QualityChanged
  | FrameRejected
  | CommissioningCompleted;
