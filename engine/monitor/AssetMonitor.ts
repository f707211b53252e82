import type { Actuator } from '../actuate/actuator';
import { formatOperatorTripReason, formatTripReason } from '../actuate/tripReason';
import type { AssetConfig } from '../contract/asset';
import type { AssetStatus } from '../contract/status';
import type { AlarmLevel, AlarmLevelChanged, EngineEvent, ProtectionNotice, TripRequested } from '../contract/events';
import type { Diagnosis, FeatureSet } from '../contract/features';
import type { Quality } from '../contract/frame';
import type { OperatingState, ProtectionConfig } from '../protect/protectionConfig';
import type { ChannelReading, LevelChanged, ProtectionV2Command, ProtectionV2Event, ProtectionV2State, TripDecided } from '../protect/protectionEvents';
import { compileProtectionPlan, type ProtectionPlan } from '../protect/protectionPlan';
import { channelState, initialProtectionV2State, stateWith } from '../protect/protectionState';
import { decideProtection, evolveProtection, OPERATOR_TRIP_GROUP } from '../protect/protectionV2';
import { QUANTITY_SCORE, QUANTITY_VELOCITY } from '../protect/voting';
import { BUILT_IN_CONFIG_VERSION, builtInProtection, featureRecord, parseAssetProtection, readsFeatures, sourceOf } from './assetProtection';
import type { StoreOp } from '../store/storeOps';
import { diagnoseFeatureSets } from './diagnosis';
import type { LearnerApi } from '../learn/LearnerService';
import type { AutoencoderPrecision } from '../learn/onnxAutoencoder';
import { commissioningExtras, type CommissionedModel, type ModelSource, type OperatingRegime } from './commission';
import { DEFAULT_LEARNING, ModelLifecycle, type PromotionOutcome } from './ModelLifecycle';

/** One analysis window of one channel, ready for scoring. Owned by the monitor once handed over. */
export interface ScoredWindow {
  channelId: string;
  endMs: number;
  /** process.hrtime.bigint() when the frame that completed the window arrived. */
  arrivalNs: bigint;
  /** Model input (a copy the monitor may keep). */
  vector: Float32Array;
  /** ISO velocity, NaN where the channel has none (vector channels). */
  velocityMmS: number;
  shaftHz: number | null;
  features: FeatureSet | null;
  /** Signal level for vector channels' dead-sensor reference during commissioning. */
  level: number | null;
  /** The raw window, kept with the incident if this window trips (waveform channels). */
  samples: Float32Array | null;
  sampleRateHz: number | null;
}

/** Where a monitor sends what happened; everything here is off the trip path except the actuator. */
export interface MonitorSinks {
  actuator: Actuator;
  emit: (e: EngineEvent) => void;
  store: (op: StoreOp) => void;
  clock: () => number;
  /** Recent feature sets of a channel, newest last (from the feature cache). */
  recentFeatures: (channelId: string, count: number) => FeatureSet[];
  onError: (err: unknown) => void;
  /** The learner thread (shadow learners); the monitor never trains on its own thread. */
  learner: LearnerApi;
  /** Precision of production models. */
  precision: AutoencoderPrecision;
  /** Measurement hook: µs from frame arrival to the protection decision of each window (benchmarks). */
  onDecision?: (us: number) => void;
  /** The engine's view of a channel's quality now (ingest for waveform channels, dead-sensor check for vector ones). */
  quality: (channelId: string) => Quality;
  /** Arms the raw waveform snapshots of the asset's channels: an incident opened ('alert') or tripped ('trip'). */
  snapshot?: (incidentId: string, kind: 'alert' | 'trip', atMs: number) => void;
}

/** What an engineer's latch reset did: released, or refused with the reason (danger still holds, nothing latched). */
export type ResetOutcome = { ok: true } | { ok: false; reason: string };

/** Protection of the asset as the console shows it. */
export interface ProtectionView {
  config: ProtectionConfig;
  configVersion: string;
  level: AlarmLevel;
  latched: boolean;
  bypass: { by: string; reason: string; sinceMs: number } | null;
  firstOut: { groupId: string; atMs: number; value: number | null; setpoint: number | null } | null;
  operatingState: OperatingState;
}

const EMPTY_FEATURES: Readonly<Record<string, number>> = Object.freeze({});

interface ChannelModelState {
  featureNames: readonly string[];
  training: Float32Array[];
  trainingFeatures: FeatureSet[];
  trainingLevels: number[];
  trainingSpeeds: number[];
  /** The lifecycle of the operating regime the machine is in (or was last in). */
  lifecycle: ModelLifecycle;
  /** One lifecycle per commissioned operating regime (speed band), the first one included. */
  regimes: ModelLifecycle[];
  /** The commissioning fit in the learner thread, while it runs. */
  fitting: Promise<unknown> | null;
}

function clearTraining(ch: ChannelModelState): void {
  ch.training = [];
  ch.trainingFeatures = [];
  ch.trainingLevels = [];
  ch.trainingSpeeds = [];
}

/** Incidents remembered for operator feedback (their time span selects the windows). */
const FEEDBACK_INCIDENTS = 200;
/**
 * Widening of a commissioned speed band (each side) before a speed counts as another regime. Why 8 %:
 * an induction motor's speed moves a few per cent with load alone (CWRU: 1797 → 1730 rpm from no load
 * to 3 hp); a regime is a set-point change of the drive, which moves it further.
 */
const REGIME_MARGIN = 0.08;
/** Steady windows outside every band before the change is announced as a new regime (not a passing transient). */
const REGIME_CONFIRM_WINDOWS = 16;
/** Below this fraction of nominal speed the machine is stopping or stopped: never a regime to learn. */
const MIN_RUNNING_FRACTION = 0.3;

/** Windows averaged for a diagnosis, and how often it is refreshed while the alarm lasts. */
const DIAGNOSIS_WINDOWS = 16;
const DIAGNOSIS_REFRESH_WINDOWS = 8;
/** Relative distance from nominal speed beyond which a window is not used for commissioning. */
const OPERATING_SPEED_TOLERANCE = 0.15;
/** Relative speed change per second above which the machine is accelerating, not running steadily (a VFD's slow wander stays well below). */
const MAX_STEADY_SPEED_CHANGE_PER_S = 0.01;

/**
 * One machine's path from scored window to trip. Windows are processed strictly in arrival order
 * (a promise chain), because the ONNX runtime's `run` is asynchronous and protection state must
 * see windows in order. On a trip decision the actuator is called first; events, incident records
 * and store writes follow and never delay the command.
 */
export class AssetMonitor {
  readonly config: AssetConfig;
  private plan: ProtectionPlan;
  private protection: ProtectionV2State;
  private configVersion = BUILT_IN_CONFIG_VERSION;
  /** The latest reading of every channel protection votes on, in plan order; rewritten in place per window. */
  private readings: ChannelReading[];
  private featuresNeeded: boolean;
  /** Time of the last protection evaluation (window time), and the engine clock then: quality changes between windows are evaluated at window time + elapsed. */
  private lastEval = { atMs: Number.NEGATIVE_INFINITY, clockMs: 0 };
  /** Windows since the level left normal (how far back diagnosis looks). */
  private abnormalWindows = 0;
  /** The actuator's receipt of the last trip this monitor sent (read back by emergencyStop). */
  private lastReceipt: { assetId: string; commandedAtMs: number; latencyUs: number; actuator: string } | null = null;
  private readonly channels = new Map<string, ChannelModelState>();
  private chain: Promise<void> = Promise.resolve();
  private incident: { id: string; maxScore: number; openedMs: number } | null = null;
  private readonly incidents = new Map<string, { openedMs: number; closedMs: number | null }>();
  private windowsSinceDiagnosis = 0;
  private seq = 0;
  private lastSpeed: { hz: number; atMs: number } | null = null;
  private hasTachometer = false;
  /** End of the last window at which the machine was off speed, accelerating or at standstill. */
  private lastUnsteadyMs = Number.NEGATIVE_INFINITY;
  readonly live = {
    score: null as number | null,
    velocityMmS: null as number | null,
    shaftHz: null as number | null,
    lastWindowMs: null as number | null,
    diagnosis: null as Diagnosis | null,
    trips: 0,
    windowsScored: 0,
    /** Commissioning windows skipped because the machine was not at operating speed. */
    offSpeedWindows: 0,
    /** Windows not scored because the speed was outside every commissioned regime. */
    offRegimeWindows: 0,
    /** Windows not scored because the machine was accelerating or decelerating (a machine with a tachometer). */
    transientWindows: 0,
    /** Set while the machine runs outside every commissioned regime (what the console shows). */
    regimeNote: null as string | null,
  };

  constructor(config: AssetConfig, featureNamesByChannel: Map<string, readonly string[]>, private readonly sinks: MonitorSinks, private readonly seed = 1) {
    this.config = config;
    this.plan = compileProtectionPlan(builtInProtection(config));
    this.protection = initialProtectionV2State(this.plan);
    this.readings = this.plan.channelIds.map(emptyReading);
    this.featuresNeeded = readsFeatures(this.plan.config);
    for (const [channelId, featureNames] of featureNamesByChannel) {
      const lifecycle = this.makeLifecycle(channelId, featureNames, '');
      this.channels.set(channelId, { featureNames, training: [], trainingFeatures: [], trainingLevels: [], trainingSpeeds: [], lifecycle, regimes: [lifecycle], fitting: null });
    }
  }

  private makeLifecycle(channelId: string, featureNames: readonly string[], regimeLabel: string): ModelLifecycle {
    const settings = { ...DEFAULT_LEARNING, learnSpacingMs: defaultLearnSpacingMs(this.config, channelId), ...this.config.learning, alertScore: this.config.setpoints.score.alert };
    return new ModelLifecycle({
      assetId: this.config.assetId,
      channelId,
      regimeLabel,
      featureNames,
      learner: this.sinks.learner,
      settings,
      seed: this.seed,
      precision: this.sinks.precision,
      emit: this.sinks.emit,
      store: this.sinks.store,
      clock: this.sinks.clock,
      onError: this.sinks.onError,
      betweenWindows: (fn) => {
        this.chain = this.chain.then(fn).catch((err: unknown) => this.sinks.onError(err));
        return this.chain;
      },
    });
  }

  get level(): AlarmLevel {
    return this.protection.level;
  }
  get latched(): boolean {
    return this.protection.latched;
  }

  /** Protection as the console shows it: config and version in force, bypass, first-out, operating state. */
  protectionView(): ProtectionView {
    const p = this.protection;
    const fo = p.firstOut;
    return {
      config: this.plan.config,
      configVersion: this.configVersion,
      level: p.level,
      latched: p.latched,
      bypass: p.bypass,
      // NaN (an emergency stop, a vote of faulted channels) is not a number a status can carry: null.
      firstOut: fo ? { groupId: fo.groupId, atMs: fo.atMs, value: Number.isFinite(fo.value) ? fo.value : null, setpoint: Number.isFinite(fo.setpoint) ? fo.setpoint : null } : null,
      operatingState: p.operatingState,
    };
  }

  /**
   * Puts a protection config in force between two windows (a managed change). Validated against
   * the asset first: an invalid one throws ProtectionConfigError and the config in force stays.
   * Groups kept with the same id and channels keep their timers; a latch, a bypass and the
   * first-out survive the change (a config change is never a way to release a trip).
   */
  applyProtection(input: unknown, configVersion: string, atMs: number): ProtectionConfig {
    const config = parseAssetProtection(this.config, input);
    const plan = compileProtectionPlan(config);
    const fresh = initialProtectionV2State(plan);
    const old = this.protection;
    const groups = fresh.groups.map((g) => {
      const prev = old.groups.find((o) => o.groupId === g.groupId);
      const same = prev && plan.groups.find((x) => x.id === g.groupId)!.channelIds.join('\u0000') === this.plan.groups.find((x) => x.id === g.groupId)?.channelIds.join('\u0000');
      return same ? prev : g;
    });
    const channels = fresh.channels.map((c) => old.channels.find((o) => o.channelId === c.channelId) ?? channelState(c.channelId, this.sinks.quality(c.channelId)));
    this.protection = stateWith(fresh, { level: old.level, latched: old.latched, bypass: old.bypass, firstOut: old.firstOut, operatingState: old.operatingState, channels, groups });
    this.readings = plan.channelIds.map((id) => this.readings.find((r) => r.channelId === id) ?? emptyReading(id));
    this.plan = plan;
    this.featuresNeeded = readsFeatures(config);
    const from = this.configVersion;
    this.configVersion = configVersion;
    this.notice({ kind: 'config_applied', atMs, detail: `protection configuration ${configVersion} in force (was ${from}): ${config.groups.map((g) => `${g.id} ${g.alert}/${g.danger} ${g.voting}`).join(', ')}` });
    return config;
  }

  /** The first channel's model version (what the status shows), or null while commissioning. */
  get modelVersion(): string | null {
    for (const ch of this.channels.values()) if (ch.lifecycle.production) return ch.lifecycle.production.version;
    return null;
  }

  /** 0..1 over all channels. */
  get commissioningProgress(): number {
    let done = 0;
    for (const ch of this.channels.values()) done += ch.lifecycle.production ? 1 : Math.min(1, ch.training.length / this.config.commissioningWindows);
    return done / this.channels.size;
  }

  model(channelId: string): CommissionedModel | null {
    return this.channels.get(channelId)?.lifecycle.production ?? null;
  }

  /** A channel's model lifecycle (production, shadow, promotion), for the engine's operator API. */
  lifecycle(channelId: string): ModelLifecycle {
    const ch = this.channels.get(channelId);
    if (!ch) throw new Error(`asset ${this.config.assetId} has no channel ${channelId}`);
    return ch.lifecycle;
  }

  /** What the console shows about learning (see AssetStatus.learning). */
  learningStatus(): AssetStatus['learning'] {
    const all = [...this.channels.values()];
    const lcs = all.flatMap((ch) => ch.regimes);
    const paused = all.map((ch) => ch.lifecycle.paused).find((p) => p !== null) ?? null;
    const enabled = this.config.learning?.enabled !== false;
    const state = this.live.regimeNote ? 'regime_commissioning' : paused ? 'paused' : enabled ? 'learning' : 'off';
    return {
      state,
      detail: this.live.regimeNote ?? paused,
      promotions: lcs.reduce((n, lc) => n + lc.counts.promotions, 0),
      learnedWindows: lcs.reduce((n, lc) => n + lc.counts.learned, 0),
      regimes: lcs.filter((lc) => lc.production !== null).length,
    };
  }

  /** Channel ids, in configuration order. */
  get channelIds(): string[] {
    return [...this.channels.keys()];
  }

  /** Promote every channel's shadow now (operator request or a test). */
  async promote(by: string, reason: string): Promise<PromotionOutcome[]> {
    return Promise.all([...this.channels.values()].map((ch) => ch.lifecycle.promote('schedule', by, reason)));
  }

  /** The time span of a remembered incident (for feedback), or null if unknown. */
  incidentSpan(id: string): { openedMs: number; closedMs: number | null } | null {
    return this.incidents.get(id) ?? null;
  }

  /** Level reference for a vector channel's dead-sensor check, once commissioned. */
  levelReference(channelId: string): number | null {
    return this.channels.get(channelId)?.lifecycle.production?.levelMedian ?? null;
  }

  /**
   * Queues a window, or the promise of one (its features still being computed in the feature
   * thread); resolves when it (and all before it) are decided. Windows are decided in the order
   * queued, whenever each becomes ready; one that fails is reported and skipped.
   */
  submit(w: ScoredWindow | Promise<ScoredWindow>): Promise<void> {
    // Handled now, so a failure before the chain reaches it is not an unhandled rejection.
    if (w instanceof Promise) w.catch(() => {});
    this.chain = this.chain
      .then(() => w)
      .then((ready) => this.process(ready))
      .catch((err: unknown) => this.sinks.onError(err));
    return this.chain;
  }

  /** Resolves when every queued window has been decided. */
  async idle(): Promise<void> {
    for (;;) {
      await this.chain;
      const busy = [...this.channels.values()].flatMap((ch) => (ch.fitting ? [ch.fitting] : []));
      if (busy.length === 0) break;
      await Promise.all(busy);
    }
    for (const ch of this.channels.values()) for (const lc of ch.regimes) await lc.idle();
    await this.chain;
  }

  /** Installs a model (restored from the registry, or shared by an evaluation) instead of commissioning. */
  async install(channelId: string, src: ModelSource, announce = true): Promise<CommissionedModel> {
    const ch = this.channels.get(channelId);
    if (!ch) throw new Error(`asset ${this.config.assetId} has no channel ${channelId}`);
    clearTraining(ch);
    return ch.lifecycle.install(src, announce);
  }

  /**
   * Releases a latched danger (authorised and audited by OperatorActions). Refused, with the
   * reason, while any danger condition still holds or its off-delay runs: a reset never re-arms a
   * machine whose vibration is still at danger.
   */
  resetLatch(atMs: number, by: string): ResetOutcome {
    const events = this.command({ type: 'ResetLatch', atMs: this.decisionTime(atMs), by }, null);
    const refused = events.find((e) => e.type === 'ResetRefused');
    return refused?.type === 'ResetRefused' ? { ok: false, reason: refused.reason } : { ok: true };
  }

  /**
   * An operator's emergency stop: the trip command goes to the actuator now, on the caller's turn,
   * without waiting for queued windows; it latches like any trip and a bypass does not withhold it.
   * Returns the actuator's receipt with the µs from this call to the actuator's return.
   */
  emergencyStop(atMs: number, by: string, reason: string, commandId?: string): { assetId: string; commandedAtMs: number; latencyUs: number; actuator: string } {
    const startNs = process.hrtime.bigint();
    this.lastReceipt = null;
    this.command({ type: 'OperatorTrip', atMs: this.decisionTime(atMs), by, reason }, null, startNs, commandId);
    if (!this.lastReceipt) throw new Error(`emergency stop of ${this.config.assetId} did not reach the actuator`);
    return this.lastReceipt;
  }

  /** Latches the asset on a trip another engine commanded, sending nothing (see AdoptLatch); false if it was latched already. */
  adoptLatch(atMs: number, from: string, commandId: string, reason: string): boolean {
    return this.command({ type: 'AdoptLatch', atMs: this.decisionTime(atMs), from, commandId, reason }, null).length > 0;
  }

  /** Inhibits trips of the asset (levels and alarms go on); the bypass is shown until removed. */
  bypass(atMs: number, by: string, reason: string): boolean {
    return this.command({ type: 'Bypass', atMs: this.decisionTime(atMs), by, reason }, null).length > 0;
  }

  /** Ends a bypass; a danger held meanwhile trips at once. */
  removeBypass(atMs: number, by: string): boolean {
    return this.command({ type: 'RemoveBypass', atMs: this.decisionTime(atMs), by }, null).length > 0;
  }

  /**
   * A channel's quality changed between windows (stale, bad, restored): protection hears it now,
   * not at the next window, which may never come. Also call at the status rate while a channel is
   * faulted, so that delays of a vote-as-tripped group complete without windows.
   */
  reviewQuality(clockMs: number): void {
    let changed = false;
    for (let i = 0; i < this.readings.length; i++) {
      const r = this.readings[i]!;
      const q = this.sinks.quality(r.channelId);
      if (q !== r.quality || q !== 'good') changed = true;
      r.quality = q;
    }
    if (!changed || this.lastEval.atMs === Number.NEGATIVE_INFINITY) return;
    this.chain = this.chain
      .then(() => {
        this.command({ type: 'EvaluateWindow', atMs: this.decisionTime(clockMs), operatingState: this.protection.operatingState, channels: this.readings }, null);
      })
      .catch((err: unknown) => this.sinks.onError(err));
  }

  /** Window time for a command that comes from the engine clock: the last window's time plus the clock time since. */
  private decisionTime(clockMs: number): number {
    if (this.lastEval.atMs === Number.NEGATIVE_INFINITY) return clockMs;
    return this.lastEval.atMs + Math.max(0, clockMs - this.lastEval.clockMs);
  }

  async dispose(): Promise<void> {
    await this.idle();
    for (const ch of this.channels.values()) for (const lc of ch.regimes) await lc.dispose();
  }

  private async process(w: ScoredWindow): Promise<void> {
    const ch = this.channels.get(w.channelId);
    if (!ch) throw new Error(`asset ${this.config.assetId} has no channel ${w.channelId}`);
    const speed = this.speedState(w);
    let model = ch.lifecycle.production;
    if (model?.regime && w.shaftHz !== null && !inBand(model.regime, w.shaftHz)) model = this.changeRegime(ch, w, speed.steady);
    if (model?.regime && !speed.steady) {
      // A speed ramp is a transient the steady-state model never saw: not scored (velocity protection stays on).
      this.live.transientWindows++;
      model = null;
    }
    let score: number | null = null;
    if (model) {
      this.live.regimeNote = null;
      score = await model.scorer.score(w.vector);
    } else if (ch.fitting || ch.lifecycle !== ch.regimes[0] || ch.lifecycle.production) {
      // A fit is running in the learner thread, or a new regime is being learned; velocity protection stays on.
    } else if (!speed.steady || !speed.nearNominal) {
      this.live.offSpeedWindows++;
    } else {
      this.collect(ch, w);
      if (ch.training.length >= this.config.commissioningWindows) this.startCommissioning(ch, ch.lifecycle);
    }
    this.decide(w, score, model?.version ?? 'commissioning', speed.operating);
    if (model && score !== null) ch.lifecycle.observe(w.endMs, w.vector, score, this.protection.level !== 'normal');
  }

  /**
   * The speed left the active model's band. Another commissioned regime that fits takes over at
   * once; otherwise the window is not scored (a model of another speed would flood alarms) and, once
   * the machine runs steadily there, the new regime is commissioned. Velocity protection never stops.
   */
  private changeRegime(ch: ChannelModelState, w: ScoredWindow, steady: boolean): CommissionedModel | null {
    const hz = w.shaftHz!;
    const known = ch.regimes.find((lc) => lc.production?.regime && inBand(lc.production.regime, hz));
    const from = ch.lifecycle.production?.regime;
    if (known) {
      ch.lifecycle = known;
      clearTraining(ch);
      const band = known.production!.regime!;
      this.regimeEvent(w, 'resumed_regime', `shaft speed ${hz.toFixed(2)} Hz is back in the commissioned band ${band.lowHz.toFixed(2)}–${band.highHz.toFixed(2)} Hz`);
      return known.production;
    }
    this.live.offRegimeWindows++;
    this.live.regimeNote = `${hz.toFixed(1)} Hz is outside every commissioned speed band: ${ch.fitting ? 'fitting the new regime' : `learning it (${ch.training.length}/${this.config.commissioningWindows} steady windows)`}; velocity protection only`;
    if (ch.fitting) return null;
    if (!steady || hz < MIN_RUNNING_FRACTION * this.config.nominalShaftHz) {
      clearTraining(ch);
      return null;
    }
    this.collect(ch, w);
    if (ch.training.length === REGIME_CONFIRM_WINDOWS) {
      this.regimeEvent(w, 'commissioning_regime', `shaft speed settled at ${hz.toFixed(2)} Hz, outside the commissioned band${from ? ` ${from.lowHz.toFixed(2)}–${from.highHz.toFixed(2)} Hz` : 's'}: learning this regime's normal (${this.config.commissioningWindows} windows), velocity protection only meanwhile`);
    }
    if (ch.training.length >= this.config.commissioningWindows) {
      const lc = this.makeLifecycle(w.channelId, ch.featureNames, `@${hz.toFixed(1)}Hz`);
      ch.regimes.push(lc);
      ch.lifecycle = lc;
      this.startCommissioning(ch, lc);
    }
    return null;
  }

  private regimeEvent(w: ScoredWindow, action: 'commissioning_regime' | 'resumed_regime', detail: string): void {
    this.sinks.emit({ type: 'DriftDetected', assetId: this.config.assetId, channelId: w.channelId, atMs: w.endMs, kind: 'operating_regime', detail, action });
  }

  private collect(ch: ChannelModelState, w: ScoredWindow): void {
    ch.training.push(w.vector);
    if (w.features) ch.trainingFeatures.push(w.features);
    if (w.level !== null) ch.trainingLevels.push(w.level);
    if (w.shaftHz !== null) ch.trainingSpeeds.push(w.shaftHz);
  }

  /** Hands the commissioning windows to the learner thread; scoring starts when the model is back. */
  private startCommissioning(ch: ChannelModelState, lc: ModelLifecycle): void {
    const extras = { ...commissioningExtras(ch.trainingFeatures, ch.trainingLevels), regime: speedBand(ch.trainingSpeeds) };
    const vectors = ch.training;
    clearTraining(ch);
    ch.fitting = lc
      .commission(vectors, ch.featureNames, extras)
      .catch((err: unknown) => {
        // A regime that could not be learned is forgotten; the machine goes back to the first regime's lifecycle.
        if (lc !== ch.regimes[0]) {
          ch.regimes.splice(ch.regimes.indexOf(lc), 1);
          ch.lifecycle = ch.regimes[0]!;
        }
        this.sinks.onError(err);
      })
      .finally(() => {
        ch.fitting = null;
      });
  }

  /**
   * Whether the machine runs steadily (not starting, stopping or accelerating, for the whole window)
   * and near nominal speed. A machine learns its first normal at operating speed only: windows during
   * a start-up, run-down or a speed far from nominal would teach the model a transient as normal.
   */
  private speedState(w: ScoredWindow): { steady: boolean; nearNominal: boolean; operating: OperatingState } {
    const prev = this.lastSpeed;
    this.lastSpeed = w.shaftHz === null ? null : { hz: w.shaftHz, atMs: w.endMs };
    if (w.shaftHz === null) {
      // No speed reading: fine for a machine without a tachometer; with one, silence means standstill.
      if (this.hasTachometer) this.lastUnsteadyMs = w.endMs;
      return { steady: !this.hasTachometer, nearNominal: !this.hasTachometer, operating: this.hasTachometer ? 'stopped' : 'running' };
    }
    if (!this.hasTachometer) {
      // The first speed reading: windows learned before it may have been at standstill. Start over.
      this.hasTachometer = true;
      for (const c of this.channels.values()) {
        this.live.offSpeedWindows += c.training.length;
        clearTraining(c);
      }
    }
    const nearNominal = Math.abs(w.shaftHz / this.config.nominalShaftHz - 1) <= OPERATING_SPEED_TOLERANCE;
    const accelerating = prev !== null && w.endMs > prev.atMs && Math.abs(w.shaftHz - prev.hz) / w.shaftHz / ((w.endMs - prev.atMs) / 1000) > MAX_STEADY_SPEED_CHANGE_PER_S;
    if (accelerating || w.shaftHz < MIN_RUNNING_FRACTION * this.config.nominalShaftHz) this.lastUnsteadyMs = w.endMs;
    // The window reaches back windowSize samples: it counts only if all of it was recorded after the last unsteady moment.
    const ch = this.config.channels.find((c) => c.channelId === w.channelId);
    const windowMs = ch ? (ch.windowSize * 1000) / ch.sampleRateHz : 0;
    const steady = w.endMs - windowMs >= this.lastUnsteadyMs;
    // Stopped below the running fraction; a start-up (or run-down) while the speed moves; trip multiply is configured per state.
    const operating: OperatingState = w.shaftHz < MIN_RUNNING_FRACTION * this.config.nominalShaftHz ? 'stopped' : steady ? 'running' : 'startup';
    return { steady, nearNominal, operating };
  }

  /** The hot path after scoring: protection, then the actuator, then everything else. */
  private decide(w: ScoredWindow, score: number | null, modelVersion: string, operatingState: OperatingState): void {
    const i = this.plan.channelIds.indexOf(w.channelId);
    if (i >= 0) {
      const r = this.readings[i]!;
      r.quality = this.sinks.quality(w.channelId);
      r.score = score;
      // NaN: the channel has no velocity (a vector channel); ±Infinity stays, a non-finite reading is a fault.
      r.velocityMmS = Number.isNaN(w.velocityMmS) ? null : w.velocityMmS;
      r.features = this.featuresNeeded && w.features ? featureRecord(w.features) : EMPTY_FEATURES;
    }
    this.command({ type: 'EvaluateWindow', atMs: w.endMs, operatingState, channels: this.readings }, { w, score, modelVersion });
  }

  /**
   * Decides a protection command and acts on it: a trip goes to the actuator before anything else
   * happens (state fold, events, store). `win` is the window that caused an evaluation (null for
   * operator commands and quality reviews).
   */
  private command(cmd: ProtectionV2Command, win: { w: ScoredWindow; score: number | null; modelVersion: string } | null, startNs: bigint | null = null, commandId?: string): readonly ProtectionV2Event[] {
    const events = decideProtection(this.protection, cmd, this.plan);
    if (win && this.sinks.onDecision) this.sinks.onDecision(Number(process.hrtime.bigint() - win.w.arrivalNs) / 1000);
    let receipt = null;
    let latencyUs = 0;
    let trip: TripDecided | null = null;
    for (const e of events) {
      if (e.type !== 'TripDecided') continue;
      trip = e;
      const reason = cmd.type === 'OperatorTrip' ? formatOperatorTripReason(cmd.by, cmd.reason) : formatTripReason(sourceOf(this.plan.config, e.groupId), e.value, e.setpoint, e.groupId);
      receipt = this.sinks.actuator.requestTrip({ assetId: this.config.assetId, decidedAtMs: e.atMs, reason, ...(commandId === undefined ? {} : { commandId }) });
      const fromNs = win?.w.arrivalNs ?? startNs;
      latencyUs = fromNs !== null ? Number(process.hrtime.bigint() - fromNs) / 1000 : 0;
    }
    let state = this.protection;
    for (const e of events) state = evolveProtection(state, e);
    this.protection = state;
    if (cmd.type === 'EvaluateWindow') this.lastEval = { atMs: cmd.atMs, clockMs: this.sinks.clock() };

    // Off the trip path from here on.
    const modelVersion = win?.modelVersion ?? this.modelVersion ?? 'commissioning';
    if (win) this.afterWindow(win.w, win.score, modelVersion);
    for (const e of events) {
      if (e.type === 'LevelChanged') this.onLevelChanged(e, modelVersion, win?.score ?? null);
      else if (e.type === 'TripDecided' && receipt && e === trip) {
        this.lastReceipt = { assetId: this.config.assetId, commandedAtMs: receipt.commandedAtMs, latencyUs, actuator: receipt.actuator };
        this.onTrip(e, win?.w ?? null, modelVersion, receipt.commandedAtMs, receipt.actuator, latencyUs, cmd.type === 'OperatorTrip' ? cmd : null);
      }
      else this.onProtectionEvent(e);
    }
    return events;
  }

  private afterWindow(w: ScoredWindow, score: number | null, modelVersion: string): void {
    this.live.score = score;
    this.live.velocityMmS = Number.isFinite(w.velocityMmS) ? w.velocityMmS : null;
    this.live.shaftHz = w.shaftHz;
    this.live.lastWindowMs = w.endMs;
    if (score !== null) this.live.windowsScored++;
    const level = this.protection.level;
    this.sinks.emit({ type: 'ScoreComputed', assetId: this.config.assetId, channelId: w.channelId, endMs: w.endMs, score: score ?? Number.NaN, velocityRmsMmS: w.velocityMmS, modelVersion, level });
    this.abnormalWindows = level === 'normal' ? 0 : this.abnormalWindows + 1;
    if (this.incident && score !== null) this.incident.maxScore = Math.max(this.incident.maxScore, score);
    if (level !== 'normal') this.refreshDiagnosis(w);
  }

  /** Protection's other conclusions, as notices a person reads (and the operating state, which the alarm board suppresses on). */
  private onProtectionEvent(e: ProtectionV2Event): void {
    switch (e.type) {
      case 'OperatingStateChanged':
        this.sinks.emit({ type: 'OperatingStateChanged', assetId: this.config.assetId, atMs: e.atMs, from: e.from, to: e.to, tripMultiply: e.tripMultiply });
        return;
      case 'SensorFaultRaised':
        this.notice({ kind: 'sensor_fault', atMs: e.atMs, channelId: e.channelId, detail: `channel ${e.channelId} is ${e.quality}: ${e.groups.map((g) => `${g.groupId} ${POLICY_WORDS[g.policy]}`).join('; ')}` });
        return;
      case 'SensorFaultCleared':
        this.notice({ kind: 'sensor_restored', atMs: e.atMs, channelId: e.channelId, detail: `channel ${e.channelId} is good again (was ${e.from})` });
        return;
      case 'VoteDegraded':
        this.notice({ kind: 'vote_degraded', atMs: e.atMs, groupId: e.groupId, detail: `${e.groupId}: ${e.note}` });
        return;
      case 'VoteRestored':
        this.notice({ kind: 'vote_restored', atMs: e.atMs, groupId: e.groupId, detail: `${e.groupId}: every channel votes again (${e.voting})` });
        return;
      case 'Bypassed':
        this.notice({ kind: 'bypassed', atMs: e.atMs, by: e.by, detail: `trips of ${this.config.assetId} bypassed by ${e.by}: ${e.reason}` });
        return;
      case 'BypassRemoved':
        this.notice({ kind: 'bypass_removed', atMs: e.atMs, by: e.by, detail: `bypass removed by ${e.by} after ${((e.atMs - e.bypassedSinceMs) / 1000).toFixed(0)} s` });
        return;
      case 'TripSuppressedByBypass':
        this.notice({ kind: 'trip_suppressed_by_bypass', atMs: e.atMs, groupId: e.groupId, by: e.bypassedBy, detail: `${e.groupId} ${fmt(e.value)} ≥ danger ${fmt(e.setpoint)}: trip NOT sent, bypassed by ${e.bypassedBy} (${e.bypassReason})` });
        return;
      case 'FirstOutRecorded':
        this.notice({ kind: 'first_out', atMs: e.atMs, groupId: e.groupId, detail: `first out: ${e.groupId} ${fmt(e.value)} ≥ ${fmt(e.setpoint)}${e.tripMultiply !== 1 ? ` (trip multiply ×${e.tripMultiply})` : ''} on ${e.channelIds.concat(e.faultedChannelIds).join(', ')}${e.simultaneous.length > 0 ? `; also at danger: ${e.simultaneous.join(', ')}` : ''}` });
        return;
      case 'LatchReset':
        this.notice({ kind: 'latch_reset', atMs: e.atMs, by: e.by, detail: `latch reset by ${e.by}` });
        return;
      case 'LatchAdopted':
        this.notice({ kind: 'latch_adopted', atMs: e.atMs, by: e.from, detail: `latched by engine ${e.from}'s trip ${e.commandId} (${e.reason}), taken over with the asset; reset it here once the machine is safe` });
        return;
      case 'ResetRefused':
        this.notice({ kind: 'reset_refused', atMs: e.atMs, by: e.by, detail: `reset by ${e.by} refused: ${e.reason}` });
        return;
      default:
        return;
    }
  }

  /**
   * The value an event records. Protection's is NaN where no window decided it (a reset) or faulted
   * channels cast the votes; the record then keeps the group's highest latest good reading (0 if
   * none), and the event's cause and faulted channels say why.
   */
  private finiteValue(value: number, groupId: string): number {
    if (Number.isFinite(value)) return value;
    const g = this.plan.groups.find((x) => x.id === groupId);
    let best = Number.NEGATIVE_INFINITY;
    for (const id of g?.channelIds ?? []) {
      const r = this.readings.find((x) => x.channelId === id);
      if (!r || r.quality !== 'good') continue;
      const v = g!.quantity === QUANTITY_SCORE ? r.score : g!.quantity === QUANTITY_VELOCITY ? r.velocityMmS : r.features[g!.featureName];
      if (v !== null && v !== undefined && Number.isFinite(v) && v > best) best = v;
    }
    return Number.isFinite(best) ? best : 0;
  }

  private notice(n: Omit<ProtectionNotice, 'type' | 'assetId'>): void {
    this.sinks.emit({ type: 'ProtectionNotice', assetId: this.config.assetId, ...n });
  }

  /**
   * Names the likely fault from the windows since the score rose (at most DIAGNOSIS_WINDOWS), so
   * the evidence is not diluted by the healthy windows before the rise. Refreshed while the alarm
   * lasts, and always at a trip.
   */
  private refreshDiagnosis(w: ScoredWindow, force = false): void {
    if (!w.features) return;
    const baseline = this.channels.get(w.channelId)?.lifecycle.production?.baseline;
    if (!baseline) return;
    if (!force && this.live.diagnosis && ++this.windowsSinceDiagnosis < DIAGNOSIS_REFRESH_WINDOWS) return;
    this.windowsSinceDiagnosis = 0;
    const abnormal = Math.min(DIAGNOSIS_WINDOWS, Math.max(1, this.abnormalWindows));
    const next = diagnoseFeatureSets(this.sinks.recentFeatures(w.channelId, abnormal), baseline, this.config.bearing);
    const changed = next.fault !== this.live.diagnosis?.fault;
    this.live.diagnosis = next;
    if (changed && this.incident) this.sinks.store({ kind: 'updateIncident', id: this.incident.id, patch: { diagnosis: next } });
  }

  private onLevelChanged(e: LevelChanged, modelVersion: string, score: number | null): void {
    const event: AlarmLevelChanged = {
      type: 'AlarmLevelChanged',
      assetId: this.config.assetId,
      atMs: e.atMs,
      from: e.from,
      to: e.to,
      source: e.groupId === OPERATOR_TRIP_GROUP ? 'operator' : sourceOf(this.plan.config, e.groupId),
      value: e.groupId === OPERATOR_TRIP_GROUP ? 0 : this.finiteValue(e.value, e.groupId),
      // NaN where no level applies (an emergency stop, or the reset of one): recorded as 0, the cause says why.
      setpoint: Number.isFinite(e.setpoint) ? e.setpoint : 0,
      modelVersion,
      diagnosis: this.live.diagnosis,
      groupId: e.groupId,
      channelIds: e.channelIds,
      cause: e.cause,
      configVersion: this.configVersion,
    };
    this.sinks.emit(event);
    this.sinks.store({ kind: 'insertAlarmEvent', event });
    if (e.from === 'normal' && !this.incident) {
      this.openIncident(e.atMs, modelVersion, score, 'alert');
    } else if (e.to === 'normal' && this.incident) {
      const inc = this.incident;
      this.sinks.store({ kind: 'updateIncident', id: inc.id, patch: { maxScore: inc.maxScore, diagnosis: this.live.diagnosis } });
      this.sinks.store({ kind: 'closeIncident', id: inc.id, closedMs: e.atMs, summary: `returned to normal after ${((e.atMs - inc.openedMs) / 1000).toFixed(1)} s; max score ${inc.maxScore.toFixed(2)}` });
      this.incidents.set(inc.id, { openedMs: inc.openedMs, closedMs: e.atMs });
      this.incident = null;
      this.live.diagnosis = null;
    }
  }

  private onTrip(e: TripDecided, w: ScoredWindow | null, modelVersion: string, commandedAtMs: number, actuator: string, latencyUs: number, operator: { by: string; reason: string } | null): void {
    this.live.trips++;
    // A trip without a prior alert (danger reached at once, or a quality-driven vote) still gets its incident.
    const existing = this.incident;
    const incident = existing ?? this.openIncident(e.atMs, modelVersion, this.live.score, 'trip');
    if (existing) this.sinks.snapshot?.(incident.id, 'trip', e.atMs);
    if (w) this.refreshDiagnosis(w, true);
    const trip: TripRequested = {
      type: 'TripRequested',
      assetId: this.config.assetId,
      decidedAtMs: e.atMs,
      commandedAtMs,
      latencyUs,
      source: operator ? 'operator' : sourceOf(this.plan.config, e.groupId),
      value: operator ? 0 : this.finiteValue(e.value, e.groupId),
      setpoint: operator ? 0 : e.setpoint,
      modelVersion,
      diagnosis: this.live.diagnosis,
      ...(operator ? { by: operator.by, reason: operator.reason } : {}),
      groupId: e.groupId,
      channelIds: e.channelIds,
      faultedChannelIds: e.faultedChannelIds,
      cause: e.cause,
      configVersion: this.configVersion,
    };
    this.sinks.emit(trip);
    const tripFrame = w?.samples && w.sampleRateHz
      ? { channelId: w.channelId, startMs: w.endMs - ((w.samples.length - 1) * 1000) / w.sampleRateHz, sampleRateHz: w.sampleRateHz, shaftHz: w.shaftHz, samples: w.samples }
      : null;
    this.sinks.store({ kind: 'updateIncident', id: incident.id, patch: { tripMs: e.atMs, tripFrame, diagnosis: this.live.diagnosis, maxScore: incident.maxScore } });
    this.sinks.store({ kind: 'insertTrip', trip: { ...trip, incidentId: incident.id, actuator } });
  }

  /** Opens the asset's incident at its first alert (or a trip), with the versions in force, and arms the raw snapshots of that moment. */
  private openIncident(atMs: number, modelVersion: string, score: number | null, moment: 'alert' | 'trip'): { id: string; maxScore: number; openedMs: number } {
    const id = `inc-${this.config.assetId}-${Math.round(atMs)}-${++this.seq}`;
    this.incident = { id, maxScore: score ?? 0, openedMs: atMs };
    this.rememberIncident(id, atMs);
    this.sinks.store({ kind: 'openIncident', incident: { id, assetId: this.config.assetId, openedMs: atMs, modelVersion, firstAlertMs: atMs, diagnosis: this.live.diagnosis, maxScore: score, configVersion: this.configVersion } });
    this.sinks.snapshot?.(id, moment, atMs);
    return this.incident;
  }

  private rememberIncident(id: string, openedMs: number): void {
    this.incidents.set(id, { openedMs, closedMs: null });
    if (this.incidents.size > FEEDBACK_INCIDENTS) this.incidents.delete(this.incidents.keys().next().value!);
  }
}

/** What a quality policy does with a faulted channel, in the operator's words. */
const POLICY_WORDS: Readonly<Record<string, string>> = {
  'ignore-channel': 'votes on without it',
  'vote-as-tripped': 'counts it as a trip vote (fail-safe)',
  'alarm-only': 'alarms only, it cannot trip on this channel',
};

function fmt(v: number): string {
  return Number.isFinite(v) ? String(Math.round(v * 1000) / 1000) : 'n/a';
}

function emptyReading(channelId: string): ChannelReading {
  return { channelId, quality: 'good', score: null, velocityMmS: null, features: EMPTY_FEATURES };
}

function inBand(r: OperatingRegime, hz: number): boolean {
  return hz >= r.lowHz && hz <= r.highHz;
}

/** The speed band commissioning windows covered, widened by REGIME_MARGIN; null without a tachometer. */
function speedBand(speedsHz: number[]): OperatingRegime | null {
  if (speedsHz.length === 0) return null;
  return { lowHz: Math.min(...speedsHz) * (1 - REGIME_MARGIN), highHz: Math.max(...speedsHz) * (1 + REGIME_MARGIN) };
}

/**
 * A channel's default spacing between windows taken for learning (see `LearningSettings`): a
 * waveform channel's window length, so its overlapping windows are learned once; 0 (every window)
 * for a vector channel, whose snapshots do not overlap.
 */
export function defaultLearnSpacingMs(config: AssetConfig, channelId: string): number {
  const waveform = config.channels.find((c) => c.channelId === channelId);
  return waveform ? (waveform.windowSize / waveform.sampleRateHz) * 1000 : 0;
}
