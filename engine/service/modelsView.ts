import {
  MODEL_VERSIONS_LISTED,
  ModelRegimeSchema,
  ModelValidationSchema,
  type ChannelModels,
  type ModelFigures,
  type ModelsList,
  type ModelVersionRow,
  type ProductionModel,
  type ScoreSummary,
  type ShadowComparison,
  type ShadowModel,
} from '../contract/models';
import type { Engine } from '../engine';
import type { ModelSource } from '../monitor/commission';
import type { ModelLifecycle, ShadowInspection } from '../monitor/ModelLifecycle';
import type { ModelRegistry } from '../store/ModelRegistry';
import type { ModelPromotionRecord, ModelVersionSummary } from '../store/records';

/**
 * How long `models.list` waits for the learner thread. The shadow is read there, and the thread
 * works one request at a time: behind a commissioning fit a snapshot can wait many seconds, and a
 * console must not hang on it; that channel then answers without its shadow, saying why.
 */
export const SHADOW_WAIT_MS = 2000;

/**
 * The Models page's view of some assets (`models.list`): per channel, the production model with
 * how it got there, the shadow beside it (scored on the same recent windows), and the newest
 * stored versions. Why built here and not in the engine: it joins the running lifecycle with the
 * registry's history, which only the console needs; the engine's hot path never reads the registry.
 */
export async function listModels(engine: Pick<Engine, 'monitor'>, registry: ModelRegistry, assetIds: readonly string[], shadowWaitMs = SHADOW_WAIT_MS): Promise<ModelsList> {
  const monitors = assetIds.map((assetId) => {
    const monitor = engine.monitor(assetId);
    if (!monitor) throw new Error(`unknown asset ${assetId}`);
    return { assetId, monitor };
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), shadowWaitMs);
  });
  try {
    // Every channel's shadow is asked for at once; all of them share one deadline.
    const assets = monitors.map(async ({ assetId, monitor }) => ({
      assetId,
      commissioningProgress: monitor.commissioningProgress,
      channels: await Promise.all(monitor.channelIds.map((channelId) => channelModels(assetId, channelId, monitor.lifecycle(channelId), registry, late, shadowWaitMs))),
    }));
    return { assets: await Promise.all(assets) };
  } finally {
    clearTimeout(timer);
  }
}

async function channelModels(assetId: string, channelId: string, lc: ModelLifecycle, registry: ModelRegistry, late: Promise<'late'>, waitMs: number): Promise<ChannelModels> {
  const stored = registry.listModelVersions(assetId, channelId);
  const promotions = registry.listPromotions(assetId, channelId);
  const model = lc.production;
  const base = { channelId, alertScore: lc.alertScore, versionsStored: stored.length };
  const versions = stored.slice(0, MODEL_VERSIONS_LISTED).map((v) => versionRow(v, promotions, model?.version ?? null));
  if (!model) return { ...base, production: null, shadow: null, shadowUnavailable: null, versions };
  const production = productionModel(model, model.version, stored, promotions, registry);
  try {
    const inspection = await Promise.race([lc.inspectShadow(), late]);
    if (inspection === 'late') {
      return { ...base, production, shadow: null, shadowUnavailable: `the learner thread did not answer within ${waitMs} ms (busy commissioning or promoting); the shadow is shown on a later refresh`, versions };
    }
    return { ...base, production, shadow: inspection && shadowModel(inspection, model.version, lc.alertScore), shadowUnavailable: null, versions };
  } catch (err) {
    return { ...base, production, shadow: null, shadowUnavailable: `the shadow could not be read from the learner thread: ${err instanceof Error ? err.message : String(err)}`, versions };
  }
}

/** What a model is, the same figures for production and shadow. */
function figures(src: ModelSource, version: string): ModelFigures {
  const p = src.params;
  return {
    version,
    kind: 'autoencoder',
    layers: [p.featureNames.length, ...[...p.encoder, ...p.decoder].map((l) => l.outputs)],
    featureNames: [...p.featureNames],
    precision: src.precision,
    onnxBytes: src.onnx.byteLength,
    threshold: p.threshold,
    samplesSeen: p.samplesSeen,
    commissioningWindows: src.windows,
    parentVersion: src.parent,
    regime: src.regime && { lowHz: src.regime.lowHz, highHz: src.regime.highHz },
  };
}

function productionModel(src: ModelSource, version: string, stored: ModelVersionSummary[], promotions: ModelPromotionRecord[], registry: ModelRegistry): ProductionModel {
  // The version is usually among the newest; an old one brought back by a rollback is looked up.
  const row = stored.find((v) => v.versionId === version) ?? registry.modelVersion(version);
  const promotion = promotions.find((p) => p.toVersion === version) ?? null;
  return {
    ...figures(src, version),
    createdMs: row?.createdMs ?? null,
    promotedMs: promotion?.atMs ?? null,
    promotedBy: promotion?.by ?? null,
    promotionKind: promotion?.kind ?? null,
    promotionReason: promotion?.reason ?? null,
    validation: validationOf(promotion?.validation) ?? validationOf(row?.validation),
  };
}

function shadowModel(s: ShadowInspection, productionVersion: string, alertScore: number): ShadowModel {
  return {
    ...figures(s.source, s.version),
    differsFromProduction: s.version !== productionVersion,
    learning: s.learning,
    heldOut: s.heldOut.length > 0 ? { windows: s.heldOut.length, shadowMaxScore: Math.max(...s.heldOut) } : null,
    comparison: compareScores(s.recent.endMs, s.recent.production, s.recent.shadow, alertScore),
  };
}

/**
 * Production's and the shadow's scores on the same windows, summarised; windows where either score
 * is not a finite number are left out. Null when no window is left.
 */
export function compareScores(endMs: readonly number[], production: ArrayLike<number>, shadow: ArrayLike<number>, alertScore: number): ShadowComparison | null {
  const keep: number[] = [];
  for (let i = 0; i < endMs.length; i++) if (Number.isFinite(production[i]) && Number.isFinite(shadow[i])) keep.push(i);
  if (keep.length === 0) return null;
  let sumAbs = 0;
  let maxAbs = 0;
  for (const i of keep) {
    const d = Math.abs(production[i]! - shadow[i]!);
    sumAbs += d;
    maxAbs = Math.max(maxAbs, d);
  }
  return {
    windows: keep.length,
    fromMs: endMs[keep[0]!]!,
    toMs: endMs[keep[keep.length - 1]!]!,
    production: summarise(keep.map((i) => production[i]!), alertScore),
    shadow: summarise(keep.map((i) => shadow[i]!), alertScore),
    meanAbsDifference: sumAbs / keep.length,
    maxAbsDifference: maxAbs,
  };
}

function summarise(scores: readonly number[], alertScore: number): ScoreSummary {
  let sum = 0;
  let max = -Infinity;
  let above = 0;
  for (const s of scores) {
    sum += s;
    max = Math.max(max, s);
    if (s >= alertScore) above++;
  }
  return { meanScore: sum / scores.length, maxScore: max, aboveAlert: above };
}

function versionRow(v: ModelVersionSummary, promotions: ModelPromotionRecord[], productionVersion: string | null): ModelVersionRow {
  const regime = ModelRegimeSchema.safeParse(v.regime);
  return {
    versionId: v.versionId,
    createdMs: v.createdMs,
    precision: v.precision,
    onnxBytes: v.onnxBytes,
    commissioningWindows: v.windows,
    parentVersion: v.parentVersion,
    promotedBy: v.promotedBy,
    validation: validationOf(v.validation),
    regime: regime.success ? regime.data : null,
    inProduction: v.versionId === productionVersion,
    lastInProductionMs: promotions.find((p) => p.toVersion === v.versionId)?.atMs ?? null,
  };
}

/** Stored validation JSON as the contract reads it; null when absent or not in that shape (older rows). */
function validationOf(json: unknown) {
  const r = ModelValidationSchema.safeParse(json);
  return r.success ? r.data : null;
}
