import type { AssetConfig } from '../contract/asset';
import type { AlarmLevel, SetpointSource, TripRequested } from '../contract/events';
import type { Diagnosis } from '../contract/features';

/**
 * Shapes the store accepts and returns. They are plain data (numbers, strings, typed arrays,
 * JSON-able objects) so they can also travel inside writer ops and across a worker boundary.
 */

/** An asset as stored: its configuration plus when it was first seen. */
export interface StoredAsset {
  config: AssetConfig;
  createdMs: number;
}

/**
 * A trained model as the registry keeps it. Versions are immutable: promotion and rollback choose
 * among stored versions rather than overwrite one, so every score can be traced to exact bytes.
 */
export interface ModelVersionInput {
  /** Text id such as `m-3f9c…` (content-derived by the model module). */
  versionId: string;
  assetId: string;
  createdMs: number;
  /** The int8-quantized ONNX graph. */
  onnx: Uint8Array;
  /** Learner parameters (JSON-serialisable). */
  params: unknown;
  /** Score calibration (e.g. the commissioning 99.9th percentile). */
  calibration: unknown;
  /** Windows the model was trained on. */
  windows: number;
  /** Who promoted it (user or `auto`), or null while it is only a candidate/shadow. */
  promotedBy: string | null;
}

/** A registry entry without its ONNX bytes, for listings. */
export type ModelVersionSummary = Omit<ModelVersionInput, 'onnx' | 'params' | 'calibration'> & {
  /** Size of the ONNX graph in bytes. */
  onnxBytes: number;
};

/** One stored alarm-level change, as the journal page shows it. */
export interface AlarmEventRecord {
  id: number;
  assetId: string;
  atMs: number;
  from: AlarmLevel;
  to: AlarmLevel;
  source: SetpointSource;
  value: number;
  setpoint: number;
  modelVersion: string;
  diagnosis: Diagnosis | null;
}

/**
 * The analysis window that caused a trip, kept with the incident so an engineer can see exactly
 * what the model saw. `samples` are the raw float32 values, stored bit-exact.
 */
export interface TripFrame {
  channelId: string;
  startMs: number;
  sampleRateHz: number;
  shaftHz: number | null;
  samples: Float32Array;
}

/** Trip-frame metadata without the samples (what listings carry). */
export type TripFrameMeta = Omit<TripFrame, 'samples'> & { sampleCount: number };

/** Fields known when an incident opens (first alert or a trip, whichever came first). */
export interface IncidentOpen {
  /** Chosen by the engine (e.g. `inc-<assetId>-<openedMs>`), because the row is written later. */
  id: string;
  assetId: string;
  openedMs: number;
  modelVersion: string;
  firstAlertMs?: number | null;
  tripMs?: number | null;
  diagnosis?: Diagnosis | null;
  maxScore?: number | null;
  tripFrame?: TripFrame | null;
  summary?: string | null;
}

/**
 * A partial update while the incident is open. Absent (or null) fields are left as they are;
 * `maxScore` only ever raises the stored maximum, so the engine may report every score it sees.
 */
export interface IncidentPatch {
  firstAlertMs?: number | null;
  tripMs?: number | null;
  diagnosis?: Diagnosis | null;
  maxScore?: number | null;
  tripFrame?: TripFrame | null;
  summary?: string | null;
}

/** An incident as listed: everything but the trip-frame samples. */
export interface IncidentSummary {
  id: string;
  assetId: string;
  openedMs: number;
  closedMs: number | null;
  firstAlertMs: number | null;
  tripMs: number | null;
  modelVersion: string;
  diagnosis: Diagnosis | null;
  maxScore: number | null;
  tripFrame: TripFrameMeta | null;
  summary: string | null;
}

/** An incident with its trip-frame samples, for the incident review page. */
export type IncidentRecord = Omit<IncidentSummary, 'tripFrame'> & { tripFrame: TripFrame | null };

/** What the engine hands the store after a trip: the event plus where it went and which incident. */
export type TripInput = TripRequested & { incidentId: string; actuator: string };

/** One stored trip. The diagnosis lives on the incident, not repeated per trip. */
export interface TripRecord {
  id: number;
  assetId: string;
  decidedAtMs: number;
  commandedAtMs: number;
  latencyUs: number;
  source: SetpointSource;
  value: number;
  setpoint: number;
  modelVersion: string;
  actuator: string;
  incidentId: string;
}

/** Filters for alarm-event counts and lists; the time range is half-open [fromMs, toMs). */
export interface AlarmEventQuery {
  assetId?: string;
  fromMs?: number;
  toMs?: number;
}
