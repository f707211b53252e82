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

export type EngineEvent =
  | ScoreComputed
  | AlarmLevelChanged
  | TripRequested
  | QualityChanged
  | FrameRejected
  | CommissioningCompleted;
