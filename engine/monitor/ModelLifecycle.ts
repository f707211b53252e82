import type { EngineEvent, PromotionTrigger, PromotionValidation } from '../contract/events';
import { AutoencoderLearner } from '../learn/AutoencoderLearner';
import type { LearnerApi } from '../learn/LearnerService';
import type { AutoencoderPrecision } from '../learn/onnxAutoencoder';
import { PageHinkley } from '../learn/PageHinkley';
import { modelVersionId } from '../model/modelVersion';
import type { StoreOp } from '../store/storeOps';
import { BoundedList } from './BoundedList';
import { buildModelSource, loadModel, modelSourceJson, type CommissionedModel, type ModelSource } from './commission';

/** How a channel learns after commissioning (AssetConfig.learning, with defaults applied). */
export interface LearningSettings {
  /** Online learning on (the shadow learns) or off (production stays as commissioned). */
  readonly enabled: boolean;
  /** Learned windows between scheduled promotions of the shadow. */
  readonly promoteEveryWindows: number;
  /** Every n-th normal window is held out for validation instead of learned. */
  readonly heldOutEvery: number;
  /** The alert setpoint on the score: windows below it may be learned, candidates must keep held-out normal below it. */
  readonly alertScore: number;
  /**
   * Least signal time (ms, by window end) between two normal windows taken for learning or holding
   * out; 0 takes every one. A waveform channel's default is its window length: its windows overlap
   * (a 4096-sample window every 1024 samples repeats three quarters of its samples), so learning
   * each would spend the learner thread's CPU replaying the same samples (measured: 32 demo
   * machines kept it at 95 % of a core; non-overlapping windows take a quarter of that).
   */
  readonly learnSpacingMs: number;
}

/**
 * Defaults: promote after 9 000 learned windows (about an hour for a 12.8 kHz channel with
 * 4096-sample windows: 3.1 non-overlapping windows a second, 4 in 5 learned), so production does
 * not churn and the registry grows by one version per channel-hour (~250 kB: ONNX bytes plus fp32
 * weights as JSON); 1 window in 5 held out for validation. `learnSpacingMs` is per channel (see
 * {@link LearningSettings}).
 */
export const DEFAULT_LEARNING: Omit<LearningSettings, 'alertScore' | 'learnSpacingMs'> = Object.freeze({ enabled: true, promoteEveryWindows: 9_000, heldOutEvery: 5 });

/** What the lifecycle needs from its monitor. */
export interface LifecycleDeps {
  readonly assetId: string;
  readonly channelId: string;
  /** '' for the first regime; e.g. '@24.7Hz' for a later one (keeps the shadows apart). */
  readonly regimeLabel: string;
  /** The channel's feature order; a model for any other order is refused. */
  readonly featureNames: readonly string[];
  readonly learner: LearnerApi;
  readonly settings: LearningSettings;
  readonly seed: number;
  /** Precision of production models (int8 normally; fp32 to compare detection results). */
  readonly precision: AutoencoderPrecision;
  readonly emit: (e: EngineEvent) => void;
  readonly store: (op: StoreOp) => void;
  readonly clock: () => number;
  readonly onError: (err: unknown) => void;
  /** Runs `fn` between two windows of this asset (the monitor's chain): where production changes. */
  readonly betweenWindows: (fn: () => Promise<void> | void) => Promise<void>;
}

/** Result of a promotion attempt. */
export type PromotionOutcome =
  | { promoted: true; version: string; validation: PromotionValidation | null; elapsedMs: number }
  | { promoted: false; reason: string; validation: PromotionValidation | null };

/**
 * The shadow as it stands now, for the console to set beside production. The shadow's scores are
 * computed by the learner thread (fp32); production's are the ones it gave at the time.
 */
export interface ShadowInspection {
  /** What the shadow would be promoted as: built (int8 bytes, so the version is exact), not loaded. */
  source: ModelSource;
  version: string;
  learning: { enabled: boolean; paused: string | null; learnedSincePromotion: number; promoteEveryWindows: number };
  /** The newest windows production's current version scored (at most `COMPARED_WINDOWS`), oldest first. */
  recent: { endMs: number[]; production: number[]; shadow: Float32Array };
  /** The shadow's scores on the held-out normal windows validation will score. */
  heldOut: Float32Array;
}

/** Recent windows compared between shadow and production (~4 minutes of a 1 Hz channel, 20 s of a 12 Hz one). */
const COMPARED_WINDOWS = 240;
/** Recent windows kept for operator feedback on an alarm episode (about 3 minutes of demo windows). */
const RECENT_CAPACITY = 2048;
const HELD_OUT_CAPACITY = 256;
/** Windows posted to the learner thread per message. */
const LEARN_BATCH = 8;
/** A false alarm whose windows production scored at or above this fraction of alert triggers an immediate update. */
const FEEDBACK_UPDATE_FRACTION = 0.8;
/** Passes over a false-alarm episode when learning it as normal (it is short; one pass barely moves the weights). */
const FEEDBACK_PASSES = 20;

/**
 * One channel's models over time: the frozen production model that scores, the shadow that learns
 * in the learner thread, and the gate between them. Why its own unit: the monitor's trip path only
 * ever sees `production`; everything that changes it (commissioning, scheduled or feedback
 * promotion, rollback) comes through here, validated, and lands between two windows.
 */
export class ModelLifecycle {
  production: CommissionedModel | null = null;
  private readonly key: string;
  private readonly heldOut = new BoundedList<Float32Array>(HELD_OUT_CAPACITY);
  /** Recent windows with the score production gave and the version that gave it. */
  private readonly recent = new BoundedList<{ endMs: number; vector: Float32Array; score: number; version: string | null }>(RECENT_CAPACITY);
  private pendingLearn: Float32Array[] = [];
  private normalSeen = 0;
  /** End of the last normal window taken for learning or holding out (spacing, see `learnSpacingMs`). */
  private lastTakenEndMs = Number.NEGATIVE_INFINITY;
  private learnedSincePromotion = 0;
  private promoting: Promise<PromotionOutcome> | null = null;
  private inspecting: Promise<ShadowInspection | null> | null = null;
  private readonly confirmedFaults: Array<{ id: string; vectors: Float32Array[] }> = [];
  private readonly faultDrift = new PageHinkley({ delta: 0.1, lambda: 10, minSamples: 100 });
  /** Why online learning is paused, or null while it runs. */
  paused: string | null = null;
  /** Counts for status and tests. */
  readonly counts = { learned: 0, heldOut: 0, promotions: 0, rejected: 0 };

  constructor(private readonly d: LifecycleDeps) {
    this.key = `${d.assetId}/${d.channelId}${d.regimeLabel}`;
  }

  /** Full fit in the learner thread; production starts when the built model is loaded. */
  async commission(vectors: Float32Array[], featureNames: readonly string[], extras: Pick<ModelSource, 'baseline' | 'levelMedian' | 'regime'>): Promise<CommissionedModel> {
    const snap = await this.d.learner.fit(this.key, vectors, featureNames, this.d.seed);
    const src = buildModelSource(snap.params, { ...extras, windows: vectors.length, parent: null }, this.d.precision);
    const model = await loadModel(src);
    await this.d.betweenWindows(() => this.swap(model, 'commissioning', 'commissioning', `learned from ${vectors.length} windows at steady operating speed`, null, 0));
    return model;
  }

  /** Installs a model from outside (registry, evaluation); the shadow restarts from its weights. */
  async install(src: ModelSource, announce: boolean, trigger: PromotionTrigger = 'commissioning', by = 'commissioning', reason = 'installed'): Promise<CommissionedModel> {
    const names = src.params.featureNames;
    if (names.length !== this.d.featureNames.length || names.some((n, i) => n !== this.d.featureNames[i])) {
      throw new Error(`model for features [${names.join(', ')}] does not fit ${this.key}, whose features are [${this.d.featureNames.join(', ')}]; production keeps ${this.production?.version ?? 'no model'}`);
    }
    const model = await loadModel(src);
    await this.d.learner.restore(this.key, AutoencoderLearner.fromParams(src.params, this.d.seed).toJSON());
    await this.d.betweenWindows(() => this.swap(model, trigger, by, reason, null, 0, announce));
    return model;
  }

  /**
   * After each scored window: feed the shadow (normal windows only), keep recent windows for
   * feedback, watch for a slow rise, and schedule a promotion when enough was learned.
   */
  observe(endMs: number, vector: Float32Array, score: number, alarmActive: boolean): void {
    this.recent.push({ endMs, vector, score, version: this.production?.version ?? null });
    if (!this.d.settings.enabled || !this.production) return;
    if (this.faultDrift.update(score) && !this.paused) {
      this.paused = `score rose steadily (mean ${this.faultDrift.runningMean.toFixed(2)}, Page–Hinkley ${this.faultDrift.statistic.toFixed(1)}) at unchanged operating conditions`;
      this.pendingLearn = [];
      this.d.emit({ type: 'DriftDetected', assetId: this.d.assetId, channelId: this.d.channelId, atMs: endMs, kind: 'suspected_fault', detail: this.paused, action: 'learning_paused' });
    }
    // Only windows judged normal teach the shadow: below alert, no alarm active, learning not paused.
    if (this.paused || alarmActive || !(score < this.d.settings.alertScore)) return;
    if (endMs - this.lastTakenEndMs < this.d.settings.learnSpacingMs) return;
    this.lastTakenEndMs = endMs;
    if (++this.normalSeen % this.d.settings.heldOutEvery === 0) {
      this.holdOut(vector);
      return;
    }
    this.pendingLearn.push(vector);
    if (this.pendingLearn.length >= LEARN_BATCH) this.flushLearning();
    if (this.learnedSincePromotion >= this.d.settings.promoteEveryWindows && !this.promoting) {
      void this.promote('schedule', 'learner', `${this.learnedSincePromotion} normal windows learned since the last promotion`).catch((err: unknown) => this.d.onError(err));
    }
  }

  /** Resume learning after an operator confirmed that the data the detector flagged is normal. */
  resumeLearning(by: string, reason: string): void {
    this.paused = null;
    this.faultDrift.reset();
    this.d.emit({ type: 'LearningResumed', assetId: this.d.assetId, channelId: this.d.channelId, atMs: this.d.clock(), by, reason });
  }

  /**
   * Shadow → candidate → validation → swap. Quantizes the shadow's weights to int8, builds and
   * loads the runtime model, scores held-out recent normal windows (all must stay below alert) and
   * stored confirmed faults (each must still alarm), and only then swaps it in between two windows.
   */
  promote(trigger: PromotionTrigger, by: string, reason: string): Promise<PromotionOutcome> {
    if (this.promoting) return this.promoting;
    this.promoting = this.doPromote(trigger, by, reason).finally(() => {
      this.promoting = null;
    });
    return this.promoting;
  }

  /**
   * Operator feedback on the windows in [fromMs, toMs]. A false alarm is learned as normal and, if
   * production scored it near alert, promoted at once; a confirmed fault is kept as a label that
   * every later candidate must still alarm on, and is never learned.
   */
  async feedback(verdict: 'false_alarm' | 'confirmed_fault', fromMs: number, toMs: number, id: string, by: string): Promise<{ windows: number; vectors: Float32Array[]; promotion: PromotionOutcome | null }> {
    const episode = this.recent
      .values()
      .filter((r) => r.endMs >= fromMs && r.endMs <= toMs)
      .sort((a, b) => a.endMs - b.endMs);
    const vectors = episode.map((r) => r.vector);
    if (vectors.length === 0) throw new Error(`no windows of ${this.key} between ${new Date(fromMs).toISOString()} and ${new Date(toMs).toISOString()} are still in memory`);
    if (verdict === 'confirmed_fault') {
      this.confirmedFaults.push({ id, vectors });
      return { windows: vectors.length, vectors, promotion: null };
    }
    this.flushLearning();
    for (let pass = 0; pass < FEEDBACK_PASSES; pass++) this.d.learner.learn(this.key, vectors);
    this.learnedSincePromotion += vectors.length * FEEDBACK_PASSES;
    this.resumeLearning(by, `operator marked ${vectors.length} windows as a false alarm`);
    const worst = Math.max(...episode.map((r) => r.score));
    const promotion = worst >= FEEDBACK_UPDATE_FRACTION * this.d.settings.alertScore ? await this.promote('feedback', by, `false alarm confirmed by ${by}: production scored it up to ${worst.toFixed(2)}`) : null;
    return { windows: vectors.length, vectors, promotion };
  }

  /** The alert setpoint on the score that learning and validation use. */
  get alertScore(): number {
    return this.d.settings.alertScore;
  }

  /**
   * The shadow beside production, or null before commissioning. Reads only: the shadow is
   * snapshotted and scored in the learner thread (nothing learned, nothing flushed), the candidate
   * bytes are built to name the version but no runtime session is opened. While one inspection is
   * waiting for the learner thread (busy with a commissioning fit), callers share it: a console
   * polling a busy learner does not queue more work behind the fit.
   */
  inspectShadow(): Promise<ShadowInspection | null> {
    this.inspecting ??= this.doInspectShadow().finally(() => {
      this.inspecting = null;
    });
    return this.inspecting;
  }

  private async doInspectShadow(): Promise<ShadowInspection | null> {
    const production = this.production;
    if (!production) return null;
    const snap = await this.d.learner.snapshot(this.key);
    const extras = { baseline: production.baseline, levelMedian: production.levelMedian, windows: production.windows, parent: production.version, regime: production.regime };
    const source = buildModelSource(snap.params, extras, this.d.precision);
    const recent = this.recent
      .values()
      .filter((r) => r.version === production.version)
      .sort((a, b) => a.endMs - b.endMs)
      .slice(-COMPARED_WINDOWS);
    const vectors = [...recent.map((r) => r.vector), ...this.heldOut.values()];
    const scores = vectors.length > 0 ? await this.d.learner.score(this.key, vectors) : new Float32Array(0);
    const { enabled, promoteEveryWindows } = this.d.settings;
    return {
      source,
      version: modelVersionId(source.onnx),
      learning: { enabled, paused: this.paused, learnedSincePromotion: this.learnedSincePromotion, promoteEveryWindows },
      recent: { endMs: recent.map((r) => r.endMs), production: recent.map((r) => r.score), shadow: scores.subarray(0, recent.length) },
      heldOut: scores.subarray(recent.length),
    };
  }

  /** Restore stored confirmed faults after a restart (validation keeps checking them). */
  rememberConfirmedFault(id: string, vectors: Float32Array[]): void {
    this.confirmedFaults.push({ id, vectors });
  }

  /** Resolves when no promotion is in flight. */
  async idle(): Promise<void> {
    this.flushLearning();
    await this.promoting;
  }

  async dispose(): Promise<void> {
    await this.promoting?.catch(() => {});
    await this.production?.scorer.dispose();
  }

  private async doPromote(trigger: PromotionTrigger, by: string, reason: string): Promise<PromotionOutcome> {
    const current = this.production;
    if (!current) return { promoted: false, reason: 'no production model yet (commissioning)', validation: null };
    const t0 = performance.now();
    this.flushLearning();
    const snap = await this.d.learner.snapshot(this.key);
    const src = buildModelSource(snap.params, { baseline: current.baseline, levelMedian: current.levelMedian, windows: current.windows, parent: current.version, regime: current.regime }, this.d.precision);
    const candidate = await loadModel(src);
    if (candidate.version === current.version) {
      await candidate.scorer.dispose();
      return { promoted: false, reason: 'the shadow has not changed since the last promotion', validation: null };
    }
    const validation = await this.validate(candidate, current);
    this.learnedSincePromotion = 0;
    if (!validation.passed) {
      this.counts.rejected++;
      await candidate.scorer.dispose();
      // What the shadow learned since production is suspect (it unlearned a confirmed fault, or moved
      // normal windows past alert): it starts again from production's weights.
      await this.d.learner.restore(this.key, AutoencoderLearner.fromParams(current.params, this.d.seed).toJSON());
      validation.reason = `${validation.reason ?? 'validation failed'}; the shadow restarts from ${current.version}`;
      const atMs = this.d.clock();
      this.d.emit({ type: 'ModelPromotionRejected', assetId: this.d.assetId, channelId: this.d.channelId, atMs, candidateVersion: candidate.version, trigger, validation });
      this.d.store({ kind: 'saveModelVersion', model: this.versionRecord(candidate, atMs, null, validation) });
      return { promoted: false, reason: validation.reason ?? 'validation failed', validation };
    }
    const elapsedMs = performance.now() - t0;
    await this.d.betweenWindows(() => this.swap(candidate, trigger, by, reason, validation, elapsedMs));
    return { promoted: true, version: candidate.version, validation, elapsedMs };
  }

  private async validate(candidate: CommissionedModel, current: CommissionedModel): Promise<PromotionValidation> {
    const alert = this.d.settings.alertScore;
    let heldOutMaxScore = 0;
    if (this.heldOut.length > 0) {
      const scores = await candidate.scorer.scoreBatch(pack(this.heldOut.values()), this.heldOut.length);
      heldOutMaxScore = Math.max(...scores);
    }
    let alarmed = 0;
    for (const fault of this.confirmedFaults) {
      const now = await candidate.scorer.scoreBatch(pack(fault.vectors), fault.vectors.length);
      const before = await current.scorer.scoreBatch(pack(fault.vectors), fault.vectors.length);
      const alarmsNow = now.filter((s) => s >= alert).length;
      const alarmsBefore = before.filter((s) => s >= alert).length;
      if (alarmsNow > 0 && alarmsNow >= 0.5 * alarmsBefore) alarmed++;
    }
    const reasons: string[] = [];
    if (heldOutMaxScore >= alert) reasons.push(`held-out normal window scored ${heldOutMaxScore.toFixed(3)} ≥ alert ${alert}`);
    if (alarmed < this.confirmedFaults.length) reasons.push(`${this.confirmedFaults.length - alarmed} of ${this.confirmedFaults.length} confirmed faults would no longer alarm`);
    return { heldOutWindows: this.heldOut.length, heldOutMaxScore, confirmedFaults: this.confirmedFaults.length, confirmedFaultsAlarmed: alarmed, passed: reasons.length === 0, reason: reasons.length ? reasons.join('; ') : null };
  }

  /** The atomic step: runs between two windows, so every window is scored wholly by one version. */
  private async swap(model: CommissionedModel, trigger: PromotionTrigger, by: string, reason: string, validation: PromotionValidation | null, elapsedMs: number, announce = true): Promise<void> {
    const previous = this.production;
    this.production = model;
    this.counts.promotions++;
    await previous?.scorer.dispose();
    if (!announce) return;
    const atMs = this.d.clock();
    this.d.store({ kind: 'saveModelVersion', model: this.versionRecord(model, atMs, by, validation) });
    this.d.store({ kind: 'recordPromotion', promotion: { assetId: this.d.assetId, channelId: this.d.channelId, fromVersion: previous?.version ?? null, toVersion: model.version, atMs, kind: trigger === 'schedule' || trigger === 'feedback' ? 'promotion' : trigger, by, reason, validation } });
    if (trigger === 'commissioning') this.d.emit({ type: 'CommissioningCompleted', assetId: this.d.assetId, atMs, modelVersion: model.version, windows: model.windows });
    this.d.emit({ type: 'ModelPromoted', assetId: this.d.assetId, channelId: this.d.channelId, atMs, fromVersion: previous?.version ?? null, toVersion: model.version, trigger, by, reason, validation, elapsedMs });
  }

  private versionRecord(model: CommissionedModel, atMs: number, promotedBy: string | null, validation: PromotionValidation | null) {
    const json = modelSourceJson(model);
    return {
      versionId: model.version,
      assetId: this.d.assetId,
      channelId: this.d.channelId,
      createdMs: atMs,
      onnx: model.onnx,
      params: json.params,
      calibration: json.calibration,
      windows: model.windows,
      promotedBy,
      parentVersion: model.parent,
      precision: model.precision,
      regime: model.regime,
      validation,
    };
  }

  private holdOut(vector: Float32Array): void {
    this.counts.heldOut++;
    this.heldOut.push(vector);
  }

  private flushLearning(): void {
    if (this.pendingLearn.length === 0) return;
    const batch = this.pendingLearn;
    this.pendingLearn = [];
    this.counts.learned += batch.length;
    this.learnedSincePromotion += batch.length;
    this.d.learner.learn(this.key, batch);
  }
}

function pack(vectors: readonly Float32Array[]): Float32Array {
  const f = vectors[0]!.length;
  const out = new Float32Array(vectors.length * f);
  vectors.forEach((v, i) => out.set(v, i * f));
  return out;
}
