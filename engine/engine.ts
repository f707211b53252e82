import type { Actuator } from './actuate/actuator';
import { REJECT_REASONS, type AssetConfig, type EngineEvent, type Frame, type PlantStatus, type Quality, type QualityChanged, type RejectReason, type VectorChannelConfig } from './contract';
import type { FeatureSet } from './contract/features';
import { FeatureCache } from './features/FeatureCache';
import { FeatureExtractor } from './features/FeatureExtractor';
import { FeatureThread } from './features/FeatureThread';
import { initDsp } from './features/fft';
import { FEATURE_NAMES, toModelVector } from './features/modelVector';
import { Ingest, type AcceptResult, type Hop, type IngestOptions } from './ingest/ingest';
import type { LearnerApi } from './learn/LearnerService';
import { WorkerLearnerHost } from './learn/WorkerLearnerHost';
import { PRODUCTION_PRECISION, type ModelSource } from './monitor/commission';
import type { AutoencoderPrecision } from './learn/onnxAutoencoder';
import type { PromotionOutcome } from './monitor/ModelLifecycle';
import { AssetMonitor, type ResetOutcome, type ScoredWindow } from './monitor/AssetMonitor';
import { DEFAULT_SNAPSHOT_POST_MS, DEFAULT_SNAPSHOT_PRE_MS, WaveformRecorder, type SnapshotTrigger } from './incident/WaveformRecorder';
import type { ProtectionConfig } from './protect/protectionConfig';
import type { AssetStatus, ConnectionStatus } from './contract/status';
import { VectorTransform } from './monitor/vectorTransform';
import type { StoreOp } from './store/storeOps';

/** One snapshot of a vector channel: a feature vector in the channel's configured order. */
export interface VectorSample {
  assetId: string;
  channelId: string;
  atMs: number;
  values: Float32Array;
}

export interface EngineOptions {
  assets: AssetConfig[];
  /** Engine clock, epoch ms. */
  clock: () => number;
  actuator: Actuator;
  /** Receives store writes; the engine never waits for them (see StoreWriter). */
  store?: (op: StoreOp) => void;
  /** Feature history kept per channel in the cache. */
  historyLength?: number;
  ingest?: IngestOptions;
  /** Label shown in status (e.g. "demo plant", "replay cwru_ir_007…"). */
  sourceLabel?: string;
  seed?: number;
  /** Measurement hook: µs from frame arrival to each window's protection decision (benchmarks). */
  onDecision?: (us: number) => void;
  /** Shadow learners; default: a learner thread of this engine's own (disposed with it). */
  learner?: LearnerApi;
  /** Precision of production models (default int8; fp32 to compare detection results). */
  modelPrecision?: AutoencoderPrecision;
  /**
   * Raw waveform kept around each incident, per waveform channel: ms before the trigger (first alert,
   * trip) and after it. Default 5000/5000; 0/0 keeps none (evaluations, benchmarks of the decision alone).
   */
  snapshots?: { preMs: number; postMs: number };
  /**
   * Threads that compute the windows' features (FeatureThread), channels shared among them, instead
   * of the engine's thread: for plants whose windows outgrow one thread. Costs each window a hop
   * between threads. Default 0: on the engine's thread.
   */
  featureThreads?: number;
}

/**
 * One analysed window of a waveform channel, as a window-level listener sees it (see `onWindow`).
 * Shared, not copied: the samples are the per-window copy the monitor already keeps, and the
 * FeatureSet is the one in the feature cache. Listeners must not change either.
 */
export interface AnalysedWindow {
  assetId: string;
  channelId: string;
  endMs: number;
  sampleRateHz: number;
  samples: Float32Array;
  features: FeatureSet;
}

/** Operator feedback on an alarm episode (see ModelLifecycle.feedback). */
export interface AlarmFeedback {
  assetId: string;
  incidentId: string;
  verdict: 'false_alarm' | 'confirmed_fault';
  by: string;
  note?: string;
}

interface VectorChannelState {
  config: VectorChannelConfig;
  transform: VectorTransform;
  quality: Quality;
  lastAtMs: number;
}

/**
 * The streaming engine: frames in, trips out. Ingest validates and cuts windows synchronously;
 * features are computed once per hop into the feature cache; each asset's monitor scores the
 * window with its ONNX model and runs protection, calling the actuator before anything is stored.
 * Plain Node: the CLI, tests, benchmarks and the Electron worker all run this same class.
 */
export class Engine {
  readonly ingest: Ingest;
  readonly cache: FeatureCache;
  private readonly monitors = new Map<string, AssetMonitor>();
  private readonly extractors = new Map<string, FeatureExtractor>();
  /** Feature threads (EngineOptions.featureThreads); channel i goes to thread i mod n, so a channel's windows stay in order on one. */
  private featureThreads: FeatureThread[] = [];
  private readonly threadOf = new Map<string, number>();
  /** Windows a feature thread took and died with, then extracted on this thread. */
  private windowsRecovered = 0;
  private readonly vectorChannels = new Map<string, VectorChannelState>();
  /** Raw waveform history per waveform channel, for incident snapshots (none when disabled). */
  private readonly recorders = new Map<string, WaveformRecorder>();
  private readonly listeners: Array<(e: EngineEvent) => void> = [];
  private readonly windowListeners: Array<(w: AnalysedWindow) => void> = [];
  private readonly vectorRejected: Record<RejectReason, number> = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;
  private arrivalNs = 0n;
  private readonly learner: LearnerApi;
  private readonly ownsLearner: boolean;
  private errors = 0;
  private connectionsOf: (() => ConnectionStatus[]) | null = null;
  private holderOf: ((assetId: string) => string | null) | null = null;
  private remoteOf: ((assetId: string) => AssetStatus | null) | null = null;
  lastError: unknown = null;

  private constructor(private readonly opts: EngineOptions) {
    const assets = opts.assets;
    this.ownsLearner = opts.learner === undefined;
    this.learner = opts.learner ?? new WorkerLearnerHost((err) => this.fail(err));
    this.cache = new FeatureCache(opts.historyLength ?? 64);
    this.ingest = new Ingest(assets, opts.clock, { ...opts.ingest, onError: (err) => this.fail(err) });
    const sinks = {
      actuator: opts.actuator,
      emit: (e: EngineEvent) => this.emit(e),
      store: opts.store ?? (() => {}),
      clock: opts.clock,
      onError: (err: unknown) => this.fail(err),
      onDecision: opts.onDecision,
      learner: this.learner,
      precision: opts.modelPrecision ?? PRODUCTION_PRECISION,
    };
    for (const a of assets) {
      const names = new Map<string, readonly string[]>();
      for (const ch of a.channels) {
        names.set(ch.channelId, FEATURE_NAMES);
        this.extractors.set(key(a.assetId, ch.channelId), new FeatureExtractor({ assetId: a.assetId, channelId: ch.channelId, sampleRateHz: ch.sampleRateHz, windowSize: ch.windowSize, bearing: a.bearing }));
        const snap = opts.snapshots ?? { preMs: DEFAULT_SNAPSHOT_PRE_MS, postMs: DEFAULT_SNAPSHOT_POST_MS };
        if (snap.preMs + snap.postMs > 0) {
          this.recorders.set(key(a.assetId, ch.channelId), new WaveformRecorder({ assetId: a.assetId, channelId: ch.channelId, sampleRateHz: ch.sampleRateHz, preMs: snap.preMs, postMs: snap.postMs, maxFrameSamples: ch.maxFrameSamples }));
        }
      }
      for (const vc of a.vectorChannels ?? []) {
        names.set(vc.channelId, vc.featureNames);
        this.vectorChannels.set(key(a.assetId, vc.channelId), { config: vc, transform: new VectorTransform(vc), quality: 'good', lastAtMs: Number.NEGATIVE_INFINITY });
      }
      const recentFeatures = (channelId: string, count: number): FeatureSet[] => this.cache.history(a.assetId, channelId, count);
      const quality = (channelId: string): Quality => this.channelQuality(a.assetId, channelId);
      const snapshot = (incidentId: string, kind: SnapshotTrigger, atMs: number): void => {
        for (const ch of a.channels) this.recorders.get(key(a.assetId, ch.channelId))?.trigger(incidentId, kind, atMs);
      };
      this.monitors.set(a.assetId, new AssetMonitor(a, names, { ...sinks, recentFeatures, quality, snapshot }, opts.seed ?? 1));
      opts.store?.({ kind: 'upsertAsset', config: a, atMs: opts.clock() });
    }
    this.ingest.onHop((hop) => this.onHop(hop));
    this.ingest.onQuality((q) => {
      this.emit(q);
      this.monitors.get(q.assetId)?.reviewQuality(this.opts.clock());
    });
  }

  /** The engine's view of a channel's quality: ingest's for waveform channels, the dead-sensor check's for vector ones. */
  private channelQuality(assetId: string, channelId: string): Quality {
    return this.ingest.quality(assetId, channelId) ?? this.vectorChannels.get(key(assetId, channelId))?.quality ?? 'stale';
  }

  /** Loads the DSP runtime (once per process) and builds the engine. */
  static async create(opts: EngineOptions): Promise<Engine> {
    await initDsp();
    const engine = new Engine(opts);
    const n = opts.featureThreads ?? 0;
    if (n > 0) {
      // A thread's death is a fault of the engine (counted, kept as lastError); its windows are not lost (see onHop).
      engine.featureThreads = Array.from({ length: n }, () => new FeatureThread(opts.assets, (err) => engine.fail(err)));
      try {
        await Promise.all(engine.featureThreads.map((t) => t.ready));
      } catch (err) {
        await engine.dispose();
        throw new Error(`a feature thread did not start: ${err instanceof Error ? err.message : String(err)}`);
      }
      let ordinal = 0;
      for (const a of opts.assets) for (const ch of a.channels) engine.threadOf.set(key(a.assetId, ch.channelId), ordinal++ % n);
    }
    return engine;
  }

  /** Subscribes to engine events; returns the unsubscribe function. */
  on(listener: (e: EngineEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * Subscribes to every analysed waveform window (the console's live view keeps the latest one).
   * Called on the hot path after the window was queued for scoring, so a listener must only keep
   * references: anything costly belongs in whoever reads them later. Returns the unsubscribe function.
   */
  onWindow(listener: (w: AnalysedWindow) => void): () => void {
    this.windowListeners.push(listener);
    return () => {
      const i = this.windowListeners.indexOf(listener);
      if (i >= 0) this.windowListeners.splice(i, 1);
    };
  }

  /**
   * The entry of the hot path: validates the frame, cuts every window it completes, computes
   * their features and queues them for scoring. Never throws on bad input: the rejection is
   * counted and returned.
   */
  accept(frame: Frame | unknown): AcceptResult {
    this.arrivalNs = process.hrtime.bigint();
    const r = this.ingest.accept(frame);
    if (!r.ok) {
      const f = frame as Partial<Frame> | null;
      this.emit({ type: 'FrameRejected', assetId: String(f?.assetId ?? ''), channelId: String(f?.channelId ?? ''), reason: r.reason, detail: r.detail });
    } else if (this.recorders.size > 0) {
      // After ingest has cut the windows (the trip path runs from there): keep the raw samples for snapshots.
      const f = frame as Frame;
      const done = this.recorders.get(key(f.assetId, f.channelId))?.push(f.startMs, f.samples, f.shaftHz ?? null);
      if (done) for (const snapshot of done) this.opts.store?.({ kind: 'insertSnapshot', snapshot });
    }
    return r;
  }

  /** Accepts a frame and resolves once every window it completed has been scored and decided. */
  async push(frame: Frame | unknown): Promise<AcceptResult> {
    const r = this.accept(frame);
    await this.settle();
    return r;
  }

  /**
   * A snapshot from a vector channel (features computed upstream). Validated like a frame: wrong
   * size, non-finite values, unknown asset/channel and time going backwards are counted rejections.
   */
  acceptVector(s: VectorSample): AcceptResult {
    this.arrivalNs = process.hrtime.bigint();
    const vc = this.vectorChannels.get(key(s.assetId, s.channelId));
    const reject = (reason: RejectReason, detail: string): AcceptResult => {
      this.vectorRejected[reason]++;
      this.emit({ type: 'FrameRejected', assetId: s.assetId, channelId: s.channelId, reason, detail });
      return { ok: false, reason, detail };
    };
    if (!vc) return reject(this.monitors.has(s.assetId) ? 'unknown_channel' : 'unknown_asset', `no vector channel ${s.assetId}/${s.channelId}`);
    if (!(s.values instanceof Float32Array)) return reject('malformed', 'values must be a Float32Array');
    if (s.values.length !== vc.transform.size) return reject(s.values.length === 0 ? 'empty' : 'oversized', `expected ${vc.transform.size} values, got ${s.values.length}`);
    for (let i = 0; i < s.values.length; i++) if (!Number.isFinite(s.values[i])) return reject('non_finite', `value ${i} is ${s.values[i]}`);
    if (!(s.atMs > vc.lastAtMs)) return reject('time_backwards', `atMs ${s.atMs} is not after ${vc.lastAtMs}`);
    vc.lastAtMs = s.atMs;

    const monitor = this.monitors.get(s.assetId)!;
    const level = vc.transform.level(s.values);
    const ref = monitor.levelReference(s.channelId);
    const dead = ref !== null && level < vc.config.deadBelowFraction * ref;
    const quality: Quality = dead ? 'bad' : 'good';
    if (quality !== vc.quality) {
      const change: QualityChanged = { type: 'QualityChanged', assetId: s.assetId, channelId: s.channelId, atMs: s.atMs, from: vc.quality, to: quality, reason: dead ? `signal level ${level.toPrecision(3)} below ${vc.config.deadBelowFraction} × commissioning median ${ref?.toPrecision(3)}: dead sensor or stopped test` : 'signal level restored' };
      vc.quality = quality;
      this.emit(change);
      monitor.reviewQuality(this.opts.clock());
    }
    if (quality !== 'good') return { ok: true };
    const vector = vc.transform.apply(s.values, new Float32Array(vc.transform.size));
    void monitor.submit({ channelId: s.channelId, endMs: s.atMs, arrivalNs: this.arrivalNs, vector, velocityMmS: Number.NaN, shaftHz: null, features: null, level, samples: null, sampleRateHz: null });
    return { ok: true };
  }

  /** Quality of a vector channel (waveform channels: see `ingest.quality`). */
  vectorQuality(assetId: string, channelId: string): Quality | undefined {
    return this.vectorChannels.get(key(assetId, channelId))?.quality;
  }

  /** Resolves when every queued window of every asset has been decided. */
  async settle(): Promise<void> {
    await Promise.all([...this.monitors.values()].map((m) => m.idle()));
  }

  /** Advances the engine clock for staleness (call at a fixed rate from the host). */
  tick(nowMs: number): void {
    this.ingest.tick(nowMs);
    // While a channel is faulted no window may come: protection's delays still run on the clock.
    for (const m of this.monitors.values()) m.reviewQuality(nowMs);
  }

  monitor(assetId: string): AssetMonitor | undefined {
    return this.monitors.get(assetId);
  }

  /** Installs a model instead of commissioning (registry restore, or an evaluation sharing one model). */
  async installModel(assetId: string, channelId: string, src: ModelSource, announce = true): Promise<void> {
    const m = this.monitors.get(assetId);
    if (!m) throw new Error(`unknown asset ${assetId}`);
    await m.install(channelId, src, announce);
  }

  /** Promote every shadow of an asset now (validated as a scheduled promotion would be). */
  async promote(assetId: string, by: string, reason: string): Promise<PromotionOutcome[]> {
    return this.requireMonitor(assetId).promote(by, reason);
  }

  /** Roll a channel back to a stored version: it scores from the next window; the shadow restarts from its weights. */
  async rollback(assetId: string, channelId: string, src: ModelSource, by: string, reason: string): Promise<string> {
    const model = await this.requireMonitor(assetId).lifecycle(channelId).install(src, true, 'rollback', by, reason);
    return model.version;
  }

  /**
   * Operator feedback on an incident: a false alarm is learned as normal (and promoted at once if
   * production scored it near alert); a confirmed fault is stored as a label and never learned.
   * Unknown assets or incidents are refused with a clear error; nothing changes then.
   */
  async feedback(f: AlarmFeedback): Promise<{ windows: number; promotion: PromotionOutcome | null }> {
    const m = this.requireMonitor(f.assetId);
    const span = m.incidentSpan(f.incidentId);
    if (!span) throw new Error(`unknown incident ${f.incidentId} on asset ${f.assetId}`);
    const toMs = span.closedMs ?? this.opts.clock();
    let windows = 0;
    let promotion: PromotionOutcome | null = null;
    for (const channelId of m.channelIds) {
      const lc = m.lifecycle(channelId);
      const r = await lc.feedback(f.verdict, span.openedMs, toMs, f.incidentId, f.by);
      windows += r.windows;
      promotion ??= r.promotion;
      const atMs = this.opts.clock();
      this.opts.store?.({ kind: 'insertFeedback', feedback: { assetId: f.assetId, channelId, incidentId: f.incidentId, verdict: f.verdict, by: f.by, note: f.note ?? null, atMs, modelVersion: lc.production?.version ?? null, fromMs: span.openedMs, toMs, vectorLength: r.vectors[0]?.length ?? 0, vectors: r.vectors } });
    }
    return { windows, promotion };
  }

  private requireMonitor(assetId: string): AssetMonitor {
    const m = this.monitors.get(assetId);
    if (!m) throw new Error(`unknown asset ${assetId}`);
    return m;
  }

  /** Releases a latched trip; refused with the reason while danger still holds (see AssetMonitor.resetLatch). */
  resetLatch(assetId: string, by: string): ResetOutcome {
    return this.requireMonitor(assetId).resetLatch(this.opts.clock(), by);
  }

  /**
   * Emergency stop of one asset, or of every asset (`'*'`), in configuration order: each trip
   * command goes to the actuator at once (see AssetMonitor.emergencyStop); the receipts say when
   * each was accepted and how long it took. `commandId` names the stop for an output stage that
   * may have sent it already (TripOutputStage); the receipts carry it.
   */
  emergencyStop(target: string, by: string, reason: string, commandId?: string): Array<{ assetId: string; commandedAtMs: number; latencyUs: number; actuator: string; commandId?: string }> {
    const monitors = target === '*' ? [...this.monitors.values()] : [this.requireMonitor(target)];
    return monitors.map((m) => {
      const r = m.emergencyStop(this.opts.clock(), by, reason, commandId);
      return commandId === undefined ? r : { ...r, commandId };
    });
  }

  /**
   * Latches `assetId` on a trip engine `from` already commanded (scale-out takeover), sending
   * nothing; returns false if it was latched already. Reset as any latch, by an engineer.
   */
  adoptLatch(assetId: string, from: string, commandId: string, reason: string): boolean {
    return this.requireMonitor(assetId).adoptLatch(this.opts.clock(), from, commandId, reason);
  }

  /** Inhibits (true) or re-enables (false) the asset's trips; returns whether anything changed. */
  setBypass(assetId: string, on: boolean, by: string, reason: string): boolean {
    const m = this.requireMonitor(assetId);
    return on ? m.bypass(this.opts.clock(), by, reason) : m.removeBypass(this.opts.clock(), by);
  }

  /** The protection config in force for an asset (throws for an unknown asset). */
  protectionConfig(assetId: string): ProtectionConfig {
    return this.requireMonitor(assetId).protectionView().config;
  }

  /** Puts a protection config in force between two windows; an invalid one throws and the config in force stays. */
  applyProtection(assetId: string, config: unknown, configVersion: string): void {
    this.requireMonitor(assetId).applyProtection(config, configVersion, this.opts.clock());
  }

  /** Asset ids, in configuration order. */
  assetIds(): string[] {
    return [...this.monitors.keys()];
  }

  /** The asset's channels (waveform, then vector), for checking a protection config against it. */
  channelIds(assetId: string): string[] {
    const a = this.requireMonitor(assetId).config;
    return [...a.channels.map((c) => c.channelId), ...(a.vectorChannels ?? []).map((c) => c.channelId)];
  }

  /** Errors raised inside the pipeline (a bug, never bad input): counted and kept for the status. */
  get errorCount(): number {
    return this.errors;
  }

  /** The feature threads (EngineOptions.featureThreads): how many run, which died and why, and the windows they died with that this thread extracted instead. */
  featureThreadHealth(): { threads: number; dead: string[]; windowsRecovered: number } {
    return { threads: this.featureThreads.length, dead: this.featureThreads.flatMap((t) => (t.dead ? [t.dead.message] : [])), windowsRecovered: this.windowsRecovered };
  }

  /** The plant's links for the status (`PlantStatus.connections`); read at each status, so keep it cheap. */
  reportConnections(fn: () => ConnectionStatus[]): void {
    this.connectionsOf = fn;
  }

  /** Scale-out: which engine runs each asset, for the status (`AssetStatus.heldBy`). */
  reportHolders(fn: (assetId: string) => string | null): void {
    this.holderOf = fn;
  }

  /**
   * Scale-out: the live status another engine published for an asset it runs, shown instead of
   * this engine's (which has no data for it); null: show this engine's own.
   */
  reportRemoteStatus(fn: (assetId: string) => AssetStatus | null): void {
    this.remoteOf = fn;
  }

  status(): PlantStatus {
    const counters = this.ingest.counters();
    const rejected = { ...counters.rejected };
    for (const r of REJECT_REASONS) rejected[r] += this.vectorRejected[r];
    let windowsScored = 0;
    const assets = [...this.monitors.values()].map((m): AssetStatus => {
      windowsScored += m.live.windowsScored;
      const a = m.config;
      const remote = this.remoteOf?.(a.assetId);
      if (remote) return remote;
      const qualities: Quality[] = [
        ...a.channels.map((c) => this.ingest.quality(a.assetId, c.channelId) ?? 'stale'),
        ...(a.vectorChannels ?? []).map((c) => this.vectorChannels.get(key(a.assetId, c.channelId))?.quality ?? 'stale'),
      ];
      const quality: Quality = qualities.includes('bad') ? 'bad' : qualities.includes('stale') ? 'stale' : 'good';
      return {
        assetId: a.assetId,
        name: a.name,
        ...(this.holderOf ? { heldBy: this.holderOf(a.assetId) } : {}),
        phase: m.modelVersion ? ('monitoring' as const) : ('commissioning' as const),
        commissioningProgress: m.commissioningProgress,
        quality,
        level: m.level,
        latched: m.latched,
        ...protectionStatus(m),
        score: m.live.score,
        velocityRmsMmS: m.live.velocityMmS,
        shaftHz: m.live.shaftHz,
        modelVersion: m.modelVersion,
        diagnosis: m.live.diagnosis?.fault ?? null,
        lastWindowMs: m.live.lastWindowMs,
        trips: m.live.trips,
        learning: m.learningStatus(),
      };
    });
    return { atMs: this.opts.clock(), source: this.opts.sourceLabel ?? 'engine', assets, rejected, dropped: rejected.overflow, windowsScored, ...(this.connectionsOf ? { connections: this.connectionsOf() } : {}) };
  }

  async dispose(): Promise<void> {
    for (const m of this.monitors.values()) await m.dispose();
    // Snapshots still filling are stored as they are, marked incomplete.
    for (const r of this.recorders.values()) for (const snapshot of r.drain()) this.opts.store?.({ kind: 'insertSnapshot', snapshot });
    for (const x of this.extractors.values()) x.dispose();
    await Promise.all(this.featureThreads.map((t) => t.dispose()));
    if (this.ownsLearner) await this.learner.dispose();
  }

  private onHop(hop: Hop): void {
    const extractor = this.extractors.get(key(hop.assetId, hop.channelId));
    const monitor = this.monitors.get(hop.assetId);
    if (!extractor || !monitor) return;
    const shaftHz = hop.shaftHz ?? monitor.config.nominalShaftHz;
    const arrivalNs = this.arrivalNs;
    // No key built per window unless there are feature threads to choose among (the default is none).
    const thread = this.featureThreads.length > 0 ? this.featureThreads[this.threadOf.get(key(hop.assetId, hop.channelId)) ?? -1] : undefined;
    // A thread that died, or one MAX_WINDOWS_IN_FLIGHT behind, is bypassed: the window is extracted here.
    if (thread && !thread.dead && thread.inFlight < MAX_WINDOWS_IN_FLIGHT) {
      // The window's own copy: the thread gets a copy of it, and it stays here for the decision.
      const samples = hop.window.slice();
      const pending = thread
        .extract(hop.assetId, hop.channelId, samples, hop.endMs, shaftHz)
        .catch((err: unknown) => {
          // The thread died with the window in it: extracted here instead, so no window is lost.
          if (!thread.dead) throw err;
          this.windowsRecovered++;
          return extractor.extract(samples, hop.endMs, shaftHz);
        })
        .then((features) => {
          const w = this.analysed(hop, extractor.sampleRateHz, arrivalNs, features, samples);
          this.notifyWindow(hop, extractor.sampleRateHz, features, samples);
          return w;
        });
      void monitor.submit(pending);
      return;
    }
    const fs = extractor.extract(hop.window, hop.endMs, shaftHz);
    const samples = hop.window.slice();
    void monitor.submit(this.analysed(hop, extractor.sampleRateHz, arrivalNs, fs, samples));
    this.notifyWindow(hop, extractor.sampleRateHz, fs, samples);
  }

  /** A window's features into the cache, and the window as its monitor scores it. */
  private analysed(hop: Hop, sampleRateHz: number, arrivalNs: bigint, fs: FeatureSet, samples: Float32Array): ScoredWindow {
    this.cache.push(fs);
    return {
      channelId: hop.channelId, endMs: hop.endMs, arrivalNs, vector: toModelVector(fs), velocityMmS: fs.velocityRmsMmS, shaftHz: hop.shaftHz ?? null,
      features: fs, level: fs.rmsG, samples, sampleRateHz,
    };
  }

  /** Tells the window listeners, after the window was queued for scoring. */
  private notifyWindow(hop: Hop, sampleRateHz: number, fs: FeatureSet, samples: Float32Array): void {
    if (this.windowListeners.length === 0) return;
    const w: AnalysedWindow = { assetId: hop.assetId, channelId: hop.channelId, endMs: hop.endMs, sampleRateHz, samples, features: fs };
    for (const l of this.windowListeners) {
      try {
        l(w);
      } catch (err) {
        this.fail(err);
      }
    }
  }

  private emit(e: EngineEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.fail(err);
      }
    }
  }

  private fail(err: unknown): void {
    this.errors++;
    this.lastError = err;
  }
}

/**
 * Windows a feature thread may have waiting before the engine extracts on its own thread instead:
 * the thread's queue stays bounded, and an engine that cannot keep up slows down where its frame
 * bus counts the frames it drops, rather than queuing without limit out of sight.
 */
const MAX_WINDOWS_IN_FLIGHT = 64;

function key(assetId: string, channelId: string): string {
  return `${assetId}\u0000${channelId}`;
}

/** The protection fields of an asset's status. */
function protectionStatus(m: AssetMonitor): Pick<AssetStatus, 'bypass' | 'firstOut' | 'operatingState' | 'configVersion'> {
  const v = m.protectionView();
  return { bypass: v.bypass, firstOut: v.firstOut, operatingState: v.operatingState, configVersion: v.configVersion };
}
