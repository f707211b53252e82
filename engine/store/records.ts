import type { AssetConfig } from '../contract/asset';
import type { AlarmLevel, TripRequested, TripSource } from '../contract/events';
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

/** Numeric format of a model's ONNX graph: fp32 is the reference, int8 is what production scores with. */
export type ModelPrecision = 'fp32' | 'int8';

/**
 * A trained model as the registry keeps it. Versions are immutable: promotion and rollback choose
 * among stored versions rather than overwrite one, so every score can be traced to exact bytes.
 * The fields added with schema v2 are optional so v1-era callers (first commissioning) still fit.
 */
export interface ModelVersionInput {
  /** Text id such as `m-3f9c…` (content-derived by the model module). */
  versionId: string;
  assetId: string;
  createdMs: number;
  /** The ONNX graph (int8-quantized for production scoring). */
  onnx: Uint8Array;
  /** Learner parameters (JSON-serialisable); for learned models, the fp32 weights. */
  params: unknown;
  /** Score calibration (e.g. the commissioning 99.9th percentile). */
  calibration: unknown;
  /** Windows the model was trained on. */
  windows: number;
  /** Who promoted it (user or `auto`), or null while it is only a candidate/shadow. */
  promotedBy: string | null;
  /** Channel the model scores; null for v1 rows that predate per-channel models. */
  channelId?: string | null;
  /** The version it was learned from, so lineage survives rollbacks; null for a first commissioning. */
  parentVersion?: string | null;
  /** Format of `onnx`; null when unknown (v1 rows). */
  precision?: ModelPrecision | null;
  /** Operating regime it was trained for (JSON, e.g. `{ lowHz: 28, highHz: 31 }`); null for any. */
  regime?: unknown;
  /** Figures of the validation that admitted it (JSON); null if none ran (commissioning). */
  validation?: unknown;
}

/**
 * A registry entry without its ONNX bytes or weights, for listings. Every v2 field is present
 * (null when unknown), so a listing never has to tell "absent" from "not loaded".
 */
export interface ModelVersionSummary {
  versionId: string;
  assetId: string;
  createdMs: number;
  windows: number;
  promotedBy: string | null;
  channelId: string | null;
  parentVersion: string | null;
  precision: ModelPrecision | null;
  regime: unknown;
  validation: unknown;
  /** Size of the ONNX graph in bytes. */
  onnxBytes: number;
}

/** A stored model with its ONNX bytes, parsed parameters and calibration, ready to load. */
export type ModelVersionRecord = ModelVersionSummary & { onnx: Uint8Array; params: unknown; calibration: unknown };

/**
 * Why a version went into production. `commissioning`: the first model of a channel;
 * `promotion`: a validated shadow replaced production; `rollback`: an operator chose an older
 * version; `regime`: the machine moved to another operating regime with its own model.
 */
export type ModelPromotionKind = 'commissioning' | 'promotion' | 'rollback' | 'regime';

/** One change of a channel's production model, as the engine records it. */
export interface ModelPromotionInput {
  assetId: string;
  channelId: string;
  /** The production version being replaced; null when the channel had none. */
  fromVersion: string | null;
  /** The version now in production; must be stored (and belong to this asset). */
  toVersion: string;
  atMs: number;
  kind: ModelPromotionKind;
  /** A user name, or `learner` / `commissioning` for automatic changes. */
  by: string;
  reason?: string | null;
  /** Figures of the validation behind the decision (JSON). */
  validation?: unknown;
}

/** A stored promotion row. */
export type ModelPromotionRecord = Required<ModelPromotionInput> & { id: number; reason: string | null };

/** The operator's verdict on an alarm episode. */
export type FeedbackVerdict = 'false_alarm' | 'confirmed_fault';

/**
 * Operator feedback on an alarm episode, with the feature vectors of that episode, so a learner
 * can be taught from exactly what the model saw (a false alarm's windows become normal data).
 */
export interface ModelFeedbackInput {
  assetId: string;
  channelId: string;
  /** The incident the episode opened, if it opened one. */
  incidentId?: string | null;
  verdict: FeedbackVerdict;
  /** Who gave the verdict (user name). */
  by: string;
  note?: string | null;
  /** When the verdict was given. */
  atMs: number;
  /** The model that scored the episode; null if none was commissioned yet. */
  modelVersion: string | null;
  /** The episode's time span [fromMs, toMs]. */
  fromMs: number;
  toMs: number;
  /**
   * Length of every feature vector. Defaults to the first vector's length (0 with no vectors);
   * pass it to keep an episode with no windows self-describing.
   */
  vectorLength?: number;
  /** One feature vector per window, each `vectorLength` long; stored bit-exact. */
  vectors: readonly Float32Array[];
}

/** A stored feedback row; `windows` equals `vectors.length`. */
export type ModelFeedbackRecord = Omit<Required<ModelFeedbackInput>, 'vectors'> & {
  id: number;
  vectorLength: number;
  incidentId: string | null;
  note: string | null;
  windows: number;
  vectors: Float32Array[];
};

/** What voted protection concluded with a level change or trip (schema v7; null on older rows). */
export interface ProtectionDetail {
  groupId: string;
  channelIds: string[];
  /** Faulted channels that voted (vote-as-tripped); trips only. */
  faultedChannelIds: string[];
  cause: 'setpoint' | 'reset' | 'bypass-removed' | 'operator' | 'adopted';
  configVersion: string | null;
}

/** One stored alarm-level change, as the journal page shows it. */
export interface AlarmEventRecord {
  id: number;
  assetId: string;
  atMs: number;
  from: AlarmLevel;
  to: AlarmLevel;
  source: TripSource;
  value: number;
  setpoint: number;
  modelVersion: string;
  diagnosis: Diagnosis | null;
  protection: ProtectionDetail | null;
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
  /** The protection-configuration version in force when it opened (`cfg-<assetId>-<seq>`, schema v5); null if unknown. */
  configVersion?: string | null;
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
  /** The configuration version in force when it opened; null when unknown (incidents before schema v5). */
  configVersion: string | null;
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
  source: TripSource;
  value: number;
  setpoint: number;
  modelVersion: string;
  actuator: string;
  incidentId: string;
  protection: ProtectionDetail | null;
}

/** Filters for alarm-event counts and lists; the time range is half-open [fromMs, toMs). */
export interface AlarmEventQuery {
  assetId?: string;
  fromMs?: number;
  toMs?: number;
}

/** Filters for `AlarmJournal.list`; the time range is half-open [fromMs, toMs), like alarm queries. */
export interface AlarmJournalQuery {
  assetId?: string;
  fromMs?: number;
  toMs?: number;
  /** Most events returned (newest first). */
  limit: number;
}

/**
 * One channel's features over one second, as the threshold backtest replays them: the maximum
 * of every window in that second (see `FeatureDownsampler`). Null means "not measured".
 */
export interface FeatureHistoryRow {
  assetId: string;
  channelId: string;
  /** Epoch second (integer): the row covers [tS·1000, tS·1000 + 1000) ms. */
  tS: number;
  score: number | null;
  velocityMmS: number | null;
}
