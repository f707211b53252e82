import type Database from 'better-sqlite3';
import { packFloat32Windows } from './float32Blob';
import type {
  FeedbackVerdict,
  ModelFeedbackInput,
  ModelFeedbackRecord,
  ModelPromotionInput,
  ModelPromotionRecord,
  ModelVersionInput,
  ModelVersionRecord,
  ModelVersionSummary,
} from './records';
import {
  optionalJson,
  toFeedback,
  toModelVersionRecord,
  toModelVersionSummary,
  toPromotion,
  type FeedbackRow,
  type ModelVersionRow,
  type PromotionRow,
} from './registryRowMapping';
import { StoreRequestError } from './result';

type Stmt = Database.Statement<unknown[], unknown>;

const MODEL_SUMMARY_COLUMNS =
  'version_id, asset_id, created_ms, windows, promoted_by, channel_id, parent_version, precision, regime_json, validation_json, length(onnx) AS onnx_bytes';
const PROMOTION_COLUMNS = 'id, asset_id, channel_id, from_version, to_version, at_ms, kind, "by", reason, validation_json';
const FEEDBACK_COLUMNS =
  'id, asset_id, channel_id, incident_id, verdict, "by", note, at_ms, model_version, from_ms, to_ms, vector_length, windows, vectors';

/** Views a Uint8Array as a Buffer without copying, which is what better-sqlite3 binds as a BLOB. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Every statement the registry runs, prepared once per connection. */
function prepareStatements(db: Database.Database) {
  const p = (sql: string): Stmt => db.prepare(sql);
  return {
    saveModel: p(`INSERT INTO model_versions (version_id, asset_id, created_ms, onnx, params_json, calibration_json, windows, promoted_by,
      channel_id, parent_version, precision, regime_json, validation_json)
      VALUES (@versionId, @assetId, @createdMs, @onnx, @paramsJson, @calibrationJson, @windows, @promotedBy,
      @channelId, @parentVersion, @precision, @regimeJson, @validationJson)`),
    onnxOf: p('SELECT onnx FROM model_versions WHERE version_id = ?').pluck(),
    ownerOf: p('SELECT asset_id, channel_id FROM model_versions WHERE version_id = ?'),
    getModel: p(`SELECT ${MODEL_SUMMARY_COLUMNS}, onnx, params_json, calibration_json FROM model_versions WHERE version_id = ?`),
    listModels: p(`SELECT ${MODEL_SUMMARY_COLUMNS} FROM model_versions
      WHERE asset_id = @assetId AND (@channelId IS NULL OR channel_id = @channelId) ORDER BY created_ms DESC, version_id`),
    insertPromotion: p(`INSERT INTO model_promotions (asset_id, channel_id, from_version, to_version, at_ms, kind, "by", reason, validation_json)
      VALUES (@assetId, @channelId, @fromVersion, @toVersion, @atMs, @kind, @by, @reason, @validationJson)`),
    productionVersion: p(`SELECT to_version FROM model_promotions WHERE asset_id = ? AND channel_id = ?
      ORDER BY at_ms DESC, id DESC LIMIT 1`).pluck(),
    listPromotions: p(`SELECT ${PROMOTION_COLUMNS} FROM model_promotions
      WHERE asset_id = @assetId AND (@channelId IS NULL OR channel_id = @channelId) ORDER BY at_ms DESC, id DESC`),
    insertFeedback: p(`INSERT INTO model_feedback (asset_id, channel_id, incident_id, verdict, "by", note, at_ms, model_version, from_ms, to_ms,
      vector_length, windows, vectors) VALUES (@assetId, @channelId, @incidentId, @verdict, @by, @note, @atMs, @modelVersion, @fromMs, @toMs,
      @vectorLength, @windows, @vectors)`),
    listFeedback: p(`SELECT ${FEEDBACK_COLUMNS} FROM model_feedback
      WHERE asset_id = @assetId AND channel_id = @channelId AND (@verdict IS NULL OR verdict = @verdict) ORDER BY at_ms DESC, id DESC`),
  };
}
type Statements = ReturnType<typeof prepareStatements>;

/**
 * The model registry: immutable model versions, the append-only promotion log that says which
 * version is in production, and operator feedback with the vectors it judged. It shares the
 * repository's connection (and so its transactions: a writer batch that saves a version and
 * promotes it commits both or neither), but lives in its own class because the learning loop
 * reads it on its own schedule and the incident store should not grow with every learner feature.
 *
 * Reads of a row that cannot be decoded throw `StoreRequestError` with code
 * `VIGIL_CORRUPT_MODEL_REGISTRY` naming the version or row; nothing else is affected.
 */
export class ModelRegistry {
  readonly #s: Statements;

  constructor(db: Database.Database) {
    this.#s = prepareStatements(db);
  }

  /**
   * Adds an immutable model version. Ids are content hashes of the ONNX bytes, so saving the same
   * id with the same bytes again (a replay into the same database) is a no-op, whatever the other
   * fields say; the same id with other bytes is refused, never an overwrite.
   */
  saveModelVersion(m: ModelVersionInput): void {
    const existing = this.#s.onnxOf.get(m.versionId) as Buffer | undefined;
    if (existing) {
      if (Buffer.compare(existing, asBuffer(m.onnx)) === 0) return;
      throw new StoreRequestError('VIGIL_MODEL_VERSION_CONFLICT', `model version ${m.versionId} already stored with different ONNX bytes`);
    }
    this.#s.saveModel.run({
      versionId: m.versionId,
      assetId: m.assetId,
      createdMs: m.createdMs,
      onnx: asBuffer(m.onnx),
      paramsJson: JSON.stringify(m.params ?? null),
      calibrationJson: JSON.stringify(m.calibration ?? null),
      windows: m.windows,
      promotedBy: m.promotedBy,
      channelId: m.channelId ?? null,
      parentVersion: m.parentVersion ?? null,
      precision: m.precision ?? null,
      regimeJson: optionalJson(m.regime),
      validationJson: optionalJson(m.validation),
    });
  }

  /** A model version with its ONNX bytes and parsed parameters, ready to load; null if absent. */
  modelVersion(versionId: string): ModelVersionRecord | null {
    const row = this.#s.getModel.get(versionId) as (ModelVersionRow & { onnx: Buffer }) | undefined;
    return row ? toModelVersionRecord(row) : null;
  }

  /**
   * An asset's model versions, newest first, without ONNX bytes or weights. With `channelId`, only
   * that channel's versions (v1 rows, which have no channel, are then left out).
   */
  listModelVersions(assetId: string, channelId?: string): ModelVersionSummary[] {
    const rows = this.#s.listModels.all({ assetId, channelId: channelId ?? null }) as ModelVersionRow[];
    return rows.map(toModelVersionSummary);
  }

  /**
   * Appends one change of a channel's production model; returns its row id. The target version
   * must be stored and belong to this asset (and to this channel, if it names one): promoting
   * another machine's model is refused here rather than discovered as nonsense scores.
   */
  recordPromotion(p: ModelPromotionInput): number {
    const owner = this.#s.ownerOf.get(p.toVersion) as { asset_id: string; channel_id: string | null } | undefined;
    if (!owner) {
      throw new StoreRequestError('VIGIL_NO_SUCH_MODEL_VERSION', `cannot promote model version ${p.toVersion}: it is not stored`);
    }
    if (owner.asset_id !== p.assetId || (owner.channel_id !== null && owner.channel_id !== p.channelId)) {
      throw new StoreRequestError(
        'VIGIL_MODEL_OWNER_MISMATCH',
        `cannot promote model version ${p.toVersion} on ${p.assetId}/${p.channelId}: ` +
          `it belongs to ${owner.asset_id}/${owner.channel_id ?? 'any channel'}`,
      );
    }
    const r = this.#s.insertPromotion.run({
      assetId: p.assetId,
      channelId: p.channelId,
      fromVersion: p.fromVersion,
      toVersion: p.toVersion,
      atMs: p.atMs,
      kind: p.kind,
      by: p.by,
      reason: p.reason ?? null,
      validationJson: optionalJson(p.validation),
    });
    return Number(r.lastInsertRowid);
  }

  /**
   * The version a channel should score with: the target of its newest promotion (by time, then
   * insertion order), or null before commissioning. Derived from the log, so a rollback is
   * simply the newest row.
   */
  productionVersion(assetId: string, channelId: string): string | null {
    return (this.#s.productionVersion.get(assetId, channelId) as string | undefined) ?? null;
  }

  /** The promotion log of an asset (optionally one channel), newest first. */
  listPromotions(assetId: string, channelId?: string): ModelPromotionRecord[] {
    const rows = this.#s.listPromotions.all({ assetId, channelId: channelId ?? null }) as PromotionRow[];
    return rows.map(toPromotion);
  }

  /**
   * Stores an operator verdict with the episode's feature vectors (bit-exact); returns its row id.
   * Vectors of the wrong length are refused, because they could not be unpacked unambiguously.
   */
  insertFeedback(f: ModelFeedbackInput): number {
    const vectorLength = f.vectorLength ?? f.vectors[0]?.length ?? 0;
    let vectors: Buffer;
    try {
      vectors = packFloat32Windows(f.vectors, vectorLength);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      throw new StoreRequestError('VIGIL_BAD_FEEDBACK_VECTORS', `feedback on ${f.assetId}/${f.channelId} at ${f.atMs}: ${detail}`);
    }
    const r = this.#s.insertFeedback.run({
      assetId: f.assetId,
      channelId: f.channelId,
      incidentId: f.incidentId ?? null,
      verdict: f.verdict,
      by: f.by,
      note: f.note ?? null,
      atMs: f.atMs,
      modelVersion: f.modelVersion,
      fromMs: f.fromMs,
      toMs: f.toMs,
      vectorLength,
      windows: f.vectors.length,
      vectors,
    });
    return Number(r.lastInsertRowid);
  }

  /** A channel's feedback, newest first, optionally one verdict, with vectors decoded per window. */
  listFeedback(assetId: string, channelId: string, verdict?: FeedbackVerdict): ModelFeedbackRecord[] {
    const rows = this.#s.listFeedback.all({ assetId, channelId, verdict: verdict ?? null }) as FeedbackRow[];
    return rows.map(toFeedback);
  }
}
