import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import type { ModelRegistry } from '../../../engine/store/ModelRegistry';
import { openDatabase } from '../../../engine/store/openDatabase';
import type { ModelFeedbackInput, ModelPromotionInput } from '../../../engine/store/records';
import { Repository } from '../../../engine/store/Repository';
import { assetConfig, bitsOf, fakeOnnx, featureWindows, modelInput, tempDirs } from './fixtures';

const tmp = tempDirs();
let db: Database.Database;
let path: string;
let repo: Repository;
let models: ModelRegistry;

beforeEach(() => {
  path = tmp.path();
  db = openDatabase(path, { nowMs: () => 0 }).db;
  repo = new Repository(db);
  models = repo.models;
  repo.upsertAsset(assetConfig('pump-1'), 1);
  repo.upsertAsset(assetConfig('fan-2'), 1);
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

/** A read-only second connection, so assertions see what is on disk, not the writer's memory. */
function readerRegistry(): ModelRegistry {
  const readerDb = new Database(path, { readonly: true });
  onTestFinished(() => {
    readerDb.close();
  });
  return new Repository(readerDb).models;
}

const VALIDATION = { heldOutWindows: 128, falseAlarmRate: 0.002, medianScoreRatio: 0.97 };

/** Commissioning m-1, then m-2 learned from m-1, then m-3 learned from m-2 (an fp32 reference). */
function saveLineage(): void {
  models.saveModelVersion(modelInput('m-1', 1));
  models.saveModelVersion(modelInput('m-2', 2, { parentVersion: 'm-1', validation: VALIDATION, promotedBy: 'learner' }));
  models.saveModelVersion(modelInput('m-3', 3, { parentVersion: 'm-2', precision: 'fp32', regime: null }));
}

const promotion = (p: Partial<ModelPromotionInput> & Pick<ModelPromotionInput, 'toVersion' | 'atMs' | 'kind'>): ModelPromotionInput => ({
  assetId: 'pump-1',
  channelId: 'de_accel',
  fromVersion: null,
  by: 'learner',
  ...p,
});

describe('ModelRegistry', () => {
  it('round-trips a version with its lineage, precision, regime and validation, and lists without bytes', () => {
    saveLineage();
    // Content-addressed: the same id with the same bytes is a no-op even if the metadata differ.
    models.saveModelVersion(modelInput('m-2', 2, { parentVersion: null, precision: 'fp32', createdMs: 99 }));
    const reader = readerRegistry();

    expect(reader.modelVersion('m-2')).toEqual({
      versionId: 'm-2',
      assetId: 'pump-1',
      createdMs: 2000,
      windows: 128,
      promotedBy: 'learner',
      channelId: 'de_accel',
      parentVersion: 'm-1',
      precision: 'int8',
      regime: { lowHz: 28, highHz: 31 },
      validation: VALIDATION,
      onnxBytes: 300,
      onnx: fakeOnnx(2),
      params: { layers: [8, 3, 8], weights: [0.5, -0.25, 2] },
      calibration: { p999: 0.72 },
    });
    expect(reader.modelVersion('m-missing')).toBeNull();
    expect(reader.listModelVersions('pump-1', 'de_accel')).toEqual([
      {
        versionId: 'm-3',
        assetId: 'pump-1',
        createdMs: 3000,
        windows: 192,
        promotedBy: null,
        channelId: 'de_accel',
        parentVersion: 'm-2',
        precision: 'fp32',
        regime: null,
        validation: null,
        onnxBytes: 300,
      },
      expect.objectContaining({ versionId: 'm-2', parentVersion: 'm-1', validation: VALIDATION }),
      expect.objectContaining({ versionId: 'm-1', parentVersion: null, validation: null }),
    ]);
    expect(reader.listModelVersions('pump-1').map((m) => m.versionId)).toEqual(['m-3', 'm-2', 'm-1']);
    expect(reader.listModelVersions('pump-1', 'nde_accel')).toEqual([]);
    expect(() => models.saveModelVersion(modelInput('m-2', 2, { onnx: fakeOnnx(7) }))).toThrow(/already stored with different ONNX bytes/);
  });

  it('follows commissioning → promotion → rollback: production is the rollback target', () => {
    saveLineage();
    const ids = [
      models.recordPromotion(promotion({ toVersion: 'm-1', atMs: 100, kind: 'commissioning', by: 'commissioning' })),
      models.recordPromotion(promotion({ fromVersion: 'm-1', toVersion: 'm-2', atMs: 200, kind: 'promotion', validation: VALIDATION })),
      models.recordPromotion(promotion({ fromVersion: 'm-2', toVersion: 'm-3', atMs: 300, kind: 'promotion', reason: 'scheduled' })),
    ];
    expect(models.productionVersion('pump-1', 'de_accel')).toBe('m-3');
    // Same timestamp as the last promotion: insertion order decides, so the rollback wins.
    models.recordPromotion(
      promotion({ fromVersion: 'm-3', toVersion: 'm-1', atMs: 300, kind: 'rollback', by: 'ana', reason: 'drifting scores after bearing swap' }),
    );
    // A row written late with an older timestamp does not take production back in time.
    models.recordPromotion(promotion({ fromVersion: 'm-1', toVersion: 'm-2', atMs: 250, kind: 'regime' }));
    const reader = readerRegistry();

    expect(ids).toEqual([1, 2, 3]);
    expect(reader.productionVersion('pump-1', 'de_accel')).toBe('m-1');
    expect(reader.productionVersion('pump-1', 'nde_accel')).toBeNull();
    expect(reader.productionVersion('fan-2', 'de_accel')).toBeNull();
    const log = reader.listPromotions('pump-1', 'de_accel');
    expect(log.map((p) => [p.id, p.kind, p.toVersion])).toEqual([
      [4, 'rollback', 'm-1'],
      [3, 'promotion', 'm-3'],
      [5, 'regime', 'm-2'],
      [2, 'promotion', 'm-2'],
      [1, 'commissioning', 'm-1'],
    ]);
    expect(log[0]).toEqual({
      id: 4,
      assetId: 'pump-1',
      channelId: 'de_accel',
      fromVersion: 'm-3',
      toVersion: 'm-1',
      atMs: 300,
      kind: 'rollback',
      by: 'ana',
      reason: 'drifting scores after bearing swap',
      validation: null,
    });
    expect(log[3]).toMatchObject({ validation: VALIDATION, reason: null });
    expect(reader.listPromotions('pump-1')).toHaveLength(5);
    expect(reader.listPromotions('fan-2')).toEqual([]);
  });

  it("refuses to promote a version that is not stored or belongs to another asset's channel", () => {
    saveLineage();
    models.saveModelVersion(modelInput('m-fan', 9, { assetId: 'fan-2' }));
    expect(() => models.recordPromotion(promotion({ toVersion: 'm-404', atMs: 1, kind: 'promotion' }))).toThrow(
      expect.objectContaining({ code: 'VIGIL_NO_SUCH_MODEL_VERSION' }),
    );
    expect(() => models.recordPromotion(promotion({ toVersion: 'm-fan', atMs: 1, kind: 'promotion' }))).toThrow(
      /m-fan on pump-1\/de_accel: it belongs to fan-2\/de_accel/,
    );
    expect(() => models.recordPromotion(promotion({ channelId: 'nde_accel', toVersion: 'm-1', atMs: 1, kind: 'promotion' }))).toThrow(
      expect.objectContaining({ code: 'VIGIL_MODEL_OWNER_MISMATCH' }),
    );
    expect(() => models.recordPromotion(promotion({ fromVersion: 'm-404', toVersion: 'm-1', atMs: 1, kind: 'promotion' }))).toThrow(/FOREIGN KEY/);
    expect(() => models.recordPromotion(promotion({ toVersion: 'm-1', atMs: 1, kind: 'swap' as never }))).toThrow(/CHECK constraint/);
    expect(models.listPromotions('pump-1')).toEqual([]);
  });

  it('stores feedback with the episode vectors bit-exact and filters by verdict', () => {
    models.saveModelVersion(modelInput('m-1', 1));
    repo.openIncident({ id: 'inc-7', assetId: 'pump-1', openedMs: 5000, modelVersion: 'm-1' });
    const falseAlarm: ModelFeedbackInput = {
      assetId: 'pump-1',
      channelId: 'de_accel',
      incidentId: 'inc-7',
      verdict: 'false_alarm',
      by: 'ana',
      note: 'pump was being primed',
      atMs: 9000,
      modelVersion: 'm-1',
      fromMs: 5000,
      toMs: 6500.5,
      vectors: featureWindows(3, 19),
    };
    const confirmed: ModelFeedbackInput = {
      assetId: 'pump-1',
      channelId: 'de_accel',
      verdict: 'confirmed_fault',
      by: 'ben',
      atMs: 9500,
      modelVersion: null,
      fromMs: 7000,
      toMs: 7000,
      vectorLength: 19,
      vectors: [],
    };
    expect(models.insertFeedback(falseAlarm)).toBe(1);
    expect(models.insertFeedback(confirmed)).toBe(2);
    const reader = readerRegistry();

    const all = reader.listFeedback('pump-1', 'de_accel');
    expect(all.map((f) => f.id)).toEqual([2, 1]);
    expect(all[0]).toEqual({ ...confirmed, id: 2, incidentId: null, note: null, windows: 0, vectors: [] });
    const [got] = reader.listFeedback('pump-1', 'de_accel', 'false_alarm');
    const { vectors, ...rest } = got!;
    const { vectors: sent, ...sentRest } = falseAlarm;
    expect(rest).toEqual({ ...sentRest, id: 1, vectorLength: 19, windows: 3 });
    expect(vectors.map((v) => v instanceof Float32Array)).toEqual([true, true, true]);
    expect(vectors.map(bitsOf)).toEqual(sent.map(bitsOf));
    expect(reader.listFeedback('pump-1', 'de_accel', 'confirmed_fault').map((f) => f.id)).toEqual([2]);
    expect(reader.listFeedback('pump-1', 'nde_accel')).toEqual([]);
  });

  it('refuses feedback whose vectors are ragged or whose incident is unknown', () => {
    const base: ModelFeedbackInput = {
      assetId: 'pump-1',
      channelId: 'de_accel',
      verdict: 'false_alarm',
      by: 'ana',
      atMs: 1,
      modelVersion: null,
      fromMs: 0,
      toMs: 1,
      vectors: [new Float32Array(4), new Float32Array(5)],
    };
    expect(() => models.insertFeedback(base)).toThrow(
      expect.objectContaining({ code: 'VIGIL_BAD_FEEDBACK_VECTORS', message: expect.stringMatching(/vector 1 has 5 values, expected 4/) }),
    );
    expect(() => models.insertFeedback({ ...base, vectors: [new Float32Array(4)], incidentId: 'inc-404' })).toThrow(/FOREIGN KEY/);
    expect(models.listFeedback('pump-1', 'de_accel')).toEqual([]);
  });

  it('reports a corrupt registry row with a clear error naming the version, and only for that row', () => {
    saveLineage();
    db.pragma('ignore_check_constraints = ON');
    db.prepare("UPDATE model_versions SET params_json = '{\"layers\": [8, 3' WHERE version_id = 'm-2'").run();
    db.pragma('ignore_check_constraints = OFF');

    expect(() => models.modelVersion('m-2')).toThrow(
      expect.objectContaining({
        name: 'StoreRequestError',
        code: 'VIGIL_CORRUPT_MODEL_REGISTRY',
        message: expect.stringMatching(/^corrupt model registry: model version m-2 has unreadable params_json/),
      }),
    );
    expect(models.modelVersion('m-1')?.params).toEqual({ layers: [8, 3, 8], weights: [0.5, -0.25, 1] });
    expect(models.listModelVersions('pump-1')).toHaveLength(3); // listings carry no weights

    db.pragma('ignore_check_constraints = ON');
    db.prepare("UPDATE model_versions SET regime_json = 'lowHz=28' WHERE version_id = 'm-3'").run();
    db.pragma('ignore_check_constraints = OFF');
    expect(() => models.listModelVersions('pump-1')).toThrow(/model version m-3 has unreadable regime_json/);
  });
});
