import { unpackFloat32Windows } from './float32Blob';
import type {
  FeedbackVerdict,
  ModelFeedbackRecord,
  ModelPrecision,
  ModelPromotionKind,
  ModelPromotionRecord,
  ModelVersionRecord,
  ModelVersionSummary,
} from './records';
import { StoreRequestError } from './result';

/**
 * Conversions between the model-registry tables and their records. A row that cannot be decoded
 * (JSON that does not parse, a vector BLOB of the wrong size) is a corrupt registry: it becomes a
 * `StoreRequestError` naming the row, raised by the read that touched it, instead of an anonymous
 * `SyntaxError` surfacing later as a model that will not load.
 */

/** Raw `model_versions` row; `onnx`, `params_json` and `calibration_json` only in single reads. */
export interface ModelVersionRow {
  version_id: string;
  asset_id: string;
  created_ms: number;
  windows: number;
  promoted_by: string | null;
  channel_id: string | null;
  parent_version: string | null;
  precision: string | null;
  regime_json: string | null;
  validation_json: string | null;
  onnx_bytes: number;
  onnx?: Buffer;
  params_json?: string;
  calibration_json?: string;
}

/** Raw `model_promotions` row. */
export interface PromotionRow {
  id: number;
  asset_id: string;
  channel_id: string;
  from_version: string | null;
  to_version: string;
  at_ms: number;
  kind: string;
  by: string;
  reason: string | null;
  validation_json: string | null;
}

/** Raw `model_feedback` row. */
export interface FeedbackRow {
  id: number;
  asset_id: string;
  channel_id: string;
  incident_id: string | null;
  verdict: string;
  by: string;
  note: string | null;
  at_ms: number;
  model_version: string | null;
  from_ms: number;
  to_ms: number;
  vector_length: number;
  windows: number;
  vectors: Buffer;
}

/** Serialises an optional JSON value for a nullable `*_json` column (undefined and null → NULL). */
export function optionalJson(value: unknown): string | null {
  return value == null ? null : (JSON.stringify(value) ?? null);
}

/** Parses one JSON column, naming the row and column if it is corrupt. */
function parseColumn(json: string | null | undefined, what: string, column: string): unknown {
  if (json == null) return null;
  try {
    return JSON.parse(json) as unknown;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new StoreRequestError('VIGIL_CORRUPT_MODEL_REGISTRY', `corrupt model registry: ${what} has unreadable ${column} (${detail})`);
  }
}

/** Maps a `model_versions` row without its bytes. */
export function toModelVersionSummary(row: ModelVersionRow): ModelVersionSummary {
  const what = `model version ${row.version_id}`;
  return {
    versionId: row.version_id,
    assetId: row.asset_id,
    createdMs: row.created_ms,
    windows: row.windows,
    promotedBy: row.promoted_by,
    channelId: row.channel_id,
    parentVersion: row.parent_version,
    precision: row.precision as ModelPrecision | null,
    regime: parseColumn(row.regime_json, what, 'regime_json'),
    validation: parseColumn(row.validation_json, what, 'validation_json'),
    onnxBytes: row.onnx_bytes,
  };
}

/** Maps a full `model_versions` row (selected with `onnx`, `params_json`, `calibration_json`). */
export function toModelVersionRecord(row: ModelVersionRow & { onnx: Buffer }): ModelVersionRecord {
  const what = `model version ${row.version_id}`;
  return {
    ...toModelVersionSummary(row),
    onnx: new Uint8Array(row.onnx),
    params: parseColumn(row.params_json, what, 'params_json'),
    calibration: parseColumn(row.calibration_json, what, 'calibration_json'),
  };
}

/** Maps a `model_promotions` row. */
export function toPromotion(row: PromotionRow): ModelPromotionRecord {
  return {
    id: row.id,
    assetId: row.asset_id,
    channelId: row.channel_id,
    fromVersion: row.from_version,
    toVersion: row.to_version,
    atMs: row.at_ms,
    kind: row.kind as ModelPromotionKind,
    by: row.by,
    reason: row.reason,
    validation: parseColumn(row.validation_json, `promotion ${row.id}`, 'validation_json'),
  };
}

/** Maps a `model_feedback` row, decoding its vectors into one Float32Array per window. */
export function toFeedback(row: FeedbackRow): ModelFeedbackRecord {
  let vectors: Float32Array[];
  try {
    vectors = unpackFloat32Windows(row.vectors, row.windows, row.vector_length);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new StoreRequestError('VIGIL_CORRUPT_MODEL_REGISTRY', `corrupt model registry: feedback ${row.id} has unreadable vectors (${detail})`);
  }
  return {
    id: row.id,
    assetId: row.asset_id,
    channelId: row.channel_id,
    incidentId: row.incident_id,
    verdict: row.verdict as FeedbackVerdict,
    by: row.by,
    note: row.note,
    atMs: row.at_ms,
    modelVersion: row.model_version,
    fromMs: row.from_ms,
    toMs: row.to_ms,
    vectorLength: row.vector_length,
    windows: row.windows,
    vectors,
  };
}
