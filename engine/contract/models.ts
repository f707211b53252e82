import { z } from 'zod';

/**
 * Replies of the Models page's methods (`models.list`, `models.promote`, `models.rollback`): each
 * channel's production model beside its shadow, with the figures an engineer decides a promotion
 * or a rollback on. Scores are on every Vigil model's scale: 1.0 is the calibrated alarm boundary.
 */

const versionId = z.string().min(1);
const score = z.number();

/** Figures of the validation a candidate went through (held-out normal windows, confirmed faults). */
export const ModelValidationSchema = z.object({
  heldOutWindows: z.number().int().min(0),
  heldOutMaxScore: score,
  confirmedFaults: z.number().int().min(0),
  confirmedFaultsAlarmed: z.number().int().min(0),
  passed: z.boolean(),
  reason: z.string().nullable(),
});
export type ModelValidation = z.infer<typeof ModelValidationSchema>;

/** The speed band a model was commissioned in (shaft Hz). */
export const ModelRegimeSchema = z.object({ lowHz: z.number(), highHz: z.number() });

/** What a model is, the same for production and shadow so the page can set them side by side. */
export const ModelFiguresSchema = z.object({
  /** Content hash of the ONNX bytes; for the shadow, the version it would get if promoted now. */
  version: versionId,
  kind: z.literal('autoencoder'),
  /** Layer widths from input to output, e.g. [3, 8, 2, 8, 3]. */
  layers: z.array(z.number().int().positive()).min(2),
  featureNames: z.array(z.string()),
  precision: z.enum(['int8', 'fp32']),
  onnxBytes: z.number().int().min(0),
  /** RMS standardised distance that maps to score 1.0. */
  threshold: z.number(),
  /** Normal windows the weights learned from in total (commissioning plus online). */
  samplesSeen: z.number().int().min(0),
  /** Commissioning windows behind the first version of this lineage. */
  commissioningWindows: z.number().int().min(0),
  parentVersion: versionId.nullable(),
  regime: ModelRegimeSchema.nullable(),
});
export type ModelFigures = z.infer<typeof ModelFiguresSchema>;

/** The production model: what scores, and how and when it got there. */
export const ProductionModelSchema = ModelFiguresSchema.extend({
  /** When the registry stored this version; null if the registry does not hold it. */
  createdMs: z.number().nullable(),
  /** The newest change that put it in production (commissioning, promotion, rollback, regime). */
  promotedMs: z.number().nullable(),
  promotedBy: z.string().nullable(),
  promotionKind: z.string().nullable(),
  promotionReason: z.string().nullable(),
  /** The validation that admitted it; null for commissioning and rollback (nothing was validated). */
  validation: ModelValidationSchema.nullable(),
});
export type ProductionModel = z.infer<typeof ProductionModelSchema>;

/** Mean, maximum and count at or above the channel's alert setpoint of one model's scores over some windows. */
export const ScoreSummarySchema = z.object({ meanScore: score, maxScore: score, aboveAlert: z.number().int().min(0) });
export type ScoreSummary = z.infer<typeof ScoreSummarySchema>;

/**
 * Production and shadow on the same recent windows: production's scores as it gave them (only
 * windows its current version scored), the shadow's computed now. The shadow learned from the
 * normal ones among them, so its figures are in-sample; the held-out figure is the fair one.
 */
export const ShadowComparisonSchema = z.object({
  windows: z.number().int().min(1),
  fromMs: z.number(),
  toMs: z.number(),
  production: ScoreSummarySchema,
  shadow: ScoreSummarySchema,
  meanAbsDifference: score,
  maxAbsDifference: score,
});
export type ShadowComparison = z.infer<typeof ShadowComparisonSchema>;

/** The shadow: the model that keeps learning beside production and reaches it only by promotion. */
export const ShadowModelSchema = ModelFiguresSchema.extend({
  /** False when promoting now would change nothing (the shadow has the production weights). */
  differsFromProduction: z.boolean(),
  learning: z.object({
    enabled: z.boolean(),
    /** Why learning is paused (suspected fault), or null. */
    paused: z.string().nullable(),
    learnedSincePromotion: z.number().int().min(0),
    /** Learned windows after which a promotion is tried on its own. */
    promoteEveryWindows: z.number().int().positive(),
  }),
  /**
   * The held-out normal windows validation scores (never learned): the shadow's highest score on
   * them now (fp32; validation scores the int8 candidate). Null when none are held out yet.
   */
  heldOut: z.object({ windows: z.number().int().min(1), shadowMaxScore: score }).nullable(),
  comparison: ShadowComparisonSchema.nullable(),
});
export type ShadowModel = z.infer<typeof ShadowModelSchema>;

/** One stored version of a channel's model (newest first in a listing). */
export const ModelVersionRowSchema = z.object({
  versionId,
  createdMs: z.number(),
  precision: z.enum(['int8', 'fp32']).nullable(),
  onnxBytes: z.number().int().min(0),
  commissioningWindows: z.number().int().min(0),
  parentVersion: versionId.nullable(),
  /** Who promoted it, or null for a candidate that validation refused. */
  promotedBy: z.string().nullable(),
  validation: ModelValidationSchema.nullable(),
  regime: ModelRegimeSchema.nullable(),
  inProduction: z.boolean(),
  /** The newest time it was put in production (promotion or rollback), or null if never. */
  lastInProductionMs: z.number().nullable(),
});
export type ModelVersionRow = z.infer<typeof ModelVersionRowSchema>;

/** One channel: production, shadow and stored versions. */
export const ChannelModelsSchema = z.object({
  channelId: z.string(),
  /** The alert setpoint on the score that learning and validation use. */
  alertScore: z.number(),
  /** Null while the channel is still commissioning. */
  production: ProductionModelSchema.nullable(),
  shadow: ShadowModelSchema.nullable(),
  /** Why the shadow is not shown although production is (learner thread busy or restarting), else null. */
  shadowUnavailable: z.string().nullable(),
  /** Newest first, at most `MODEL_VERSIONS_LISTED`. */
  versions: z.array(ModelVersionRowSchema),
  /** All stored versions of the channel (the listing may be shorter). */
  versionsStored: z.number().int().min(0),
});
export type ChannelModels = z.infer<typeof ChannelModelsSchema>;

/** Most versions `models.list` answers with per channel, newest first. */
export const MODEL_VERSIONS_LISTED = 25;

/** The answer to `models.list`: per asset, per channel. */
export const ModelsListSchema = z.object({
  assets: z.array(z.object({ assetId: z.string(), commissioningProgress: z.number().min(0).max(1), channels: z.array(ChannelModelsSchema) })),
});
export type ModelsList = z.infer<typeof ModelsListSchema>;

/** What a promotion did on one channel: promoted (with the new version) or refused (with why). */
export const PromotionResultSchema = z.discriminatedUnion('promoted', [
  z.object({ channelId: z.string(), promoted: z.literal(true), version: versionId, validation: ModelValidationSchema.nullable(), elapsedMs: z.number() }),
  z.object({ channelId: z.string(), promoted: z.literal(false), reason: z.string(), validation: ModelValidationSchema.nullable() }),
]);
export type PromotionResult = z.infer<typeof PromotionResultSchema>;

/** The answer to `models.promote`: one result per channel of the asset. */
export const PromoteReplySchema = z.array(PromotionResultSchema);

/** The answer to `models.rollback`. */
export const RollbackReplySchema = z.object({ assetId: z.string(), channelId: z.string(), fromVersion: versionId.nullable(), toVersion: versionId });
export type RollbackReply = z.infer<typeof RollbackReplySchema>;
