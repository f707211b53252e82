import { AssetConfigSchema } from '../contract/asset';
import type { AlarmLevel, TripSource } from '../contract/events';
import { DiagnosisSchema, type Diagnosis } from '../contract/features';
import { blobToFloat32 } from './float32Blob';
import type {
  AlarmEventRecord,
  IncidentRecord,
  IncidentSummary,
  ProtectionDetail,
  StoredAsset,
  TripFrame,
  TripFrameMeta,
  TripRecord,
} from './records';
import { StoreRequestError } from './result';

/**
 * Conversions between SQLite rows (snake_case, JSON text, BLOBs) and the store's records. Reads
 * parse JSON with the contract's zod schemas, so a hand-edited or corrupted row fails loudly at the
 * store instead of surfacing as a confusing chart in the renderer.
 */

/** Raw `assets` row. */
export interface AssetRow {
  asset_id: string;
  name: string;
  config_json: string;
  created_ms: number;
}

/** Raw `alarm_events` row. */
export interface AlarmEventRow {
  id: number;
  asset_id: string;
  at_ms: number;
  from_level: string;
  to_level: string;
  source: string;
  value: number;
  setpoint: number;
  model_version: string;
  diagnosis_json: string | null;
  /** Schema v7; selected as NULL over an older schema. */
  protection_json: string | null;
}

/** Raw `incidents` row; `trip_frame` is only selected by the single-incident query. */
export interface IncidentRow {
  id: string;
  asset_id: string;
  opened_ms: number;
  closed_ms: number | null;
  first_alert_ms: number | null;
  trip_ms: number | null;
  model_version: string;
  diagnosis_json: string | null;
  max_score: number | null;
  trip_frame_json: string | null;
  trip_frame?: Buffer | null;
  summary: string | null;
  /** Schema v5; selected as NULL over an older schema (see `Repository`). */
  config_version: string | null;
}

/** Raw `trips` row. */
export interface TripRow {
  id: number;
  asset_id: string;
  decided_at_ms: number;
  commanded_at_ms: number;
  latency_us: number;
  source: string;
  value: number;
  setpoint: number;
  model_version: string;
  actuator: string;
  incident_id: string;
  /** Schema v7; selected as NULL over an older schema. */
  protection_json: string | null;
}

/** Serialises a diagnosis for a `*_json` column (null stays SQL NULL). */
export function diagnosisToJson(d: Diagnosis | null | undefined): string | null {
  return d == null ? null : JSON.stringify(d);
}

function parseDiagnosis(json: string | null): Diagnosis | null {
  return json === null ? null : DiagnosisSchema.parse(JSON.parse(json));
}

/** The metadata half of a trip frame, stored as JSON beside the sample BLOB. */
export function tripFrameMetaJson(f: TripFrame): string {
  const meta: TripFrameMeta = {
    channelId: f.channelId,
    startMs: f.startMs,
    sampleRateHz: f.sampleRateHz,
    shaftHz: f.shaftHz,
    sampleCount: f.samples.length,
  };
  return JSON.stringify(meta);
}

/** Maps an `assets` row, validating the stored configuration against the contract. */
export function toStoredAsset(row: AssetRow): StoredAsset {
  return { config: AssetConfigSchema.parse(JSON.parse(row.config_json)), createdMs: row.created_ms };
}

/** Maps an `alarm_events` row. */
export function toAlarmEvent(row: AlarmEventRow): AlarmEventRecord {
  return {
    id: row.id,
    assetId: row.asset_id,
    atMs: row.at_ms,
    from: row.from_level as AlarmLevel,
    to: row.to_level as AlarmLevel,
    source: row.source as TripSource,
    value: row.value,
    setpoint: row.setpoint,
    modelVersion: row.model_version,
    diagnosis: parseDiagnosis(row.diagnosis_json),
    protection: parseProtection(row.protection_json),
  };
}

/** The protection detail of an alarm-level change or trip, for its `protection_json` column (null when the event has none). */
export function protectionToJson(e: { groupId?: string; channelIds?: string[]; faultedChannelIds?: string[]; cause?: ProtectionDetail['cause']; configVersion?: string }): string | null {
  if (e.groupId === undefined) return null;
  const detail: ProtectionDetail = { groupId: e.groupId, channelIds: e.channelIds ?? [], faultedChannelIds: e.faultedChannelIds ?? [], cause: e.cause ?? 'setpoint', configVersion: e.configVersion ?? null };
  return JSON.stringify(detail);
}

function parseProtection(json: string | null): ProtectionDetail | null {
  return json === null ? null : (JSON.parse(json) as ProtectionDetail);
}

/** Maps an incident row without samples. */
export function toIncidentSummary(row: IncidentRow): IncidentSummary {
  return {
    id: row.id,
    assetId: row.asset_id,
    openedMs: row.opened_ms,
    closedMs: row.closed_ms,
    firstAlertMs: row.first_alert_ms,
    tripMs: row.trip_ms,
    modelVersion: row.model_version,
    diagnosis: parseDiagnosis(row.diagnosis_json),
    maxScore: row.max_score,
    tripFrame: row.trip_frame_json === null ? null : (JSON.parse(row.trip_frame_json) as TripFrameMeta),
    summary: row.summary,
    configVersion: row.config_version,
  };
}

/**
 * Maps an incident row including its samples; a BLOB whose length disagrees with the recorded
 * sample count is reported as corruption rather than returned truncated.
 */
export function toIncidentRecord(row: IncidentRow): IncidentRecord {
  const summary = toIncidentSummary(row);
  const meta = summary.tripFrame;
  if (meta === null || row.trip_frame == null) return { ...summary, tripFrame: null };
  const samples = blobToFloat32(row.trip_frame);
  if (samples.length !== meta.sampleCount) {
    throw new StoreRequestError(
      'VIGIL_CORRUPT_TRIP_FRAME',
      `incident ${row.id}: trip frame has ${samples.length} samples, metadata says ${meta.sampleCount}`,
    );
  }
  const { sampleCount: _count, ...rest } = meta;
  return { ...summary, tripFrame: { ...rest, samples } };
}

/** Maps a `trips` row. */
export function toTrip(row: TripRow): TripRecord {
  return {
    id: row.id,
    assetId: row.asset_id,
    decidedAtMs: row.decided_at_ms,
    commandedAtMs: row.commanded_at_ms,
    latencyUs: row.latency_us,
    source: row.source as TripSource,
    value: row.value,
    setpoint: row.setpoint,
    modelVersion: row.model_version,
    actuator: row.actuator,
    protection: parseProtection(row.protection_json),
    incidentId: row.incident_id,
  };
}
