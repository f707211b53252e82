import { AutoencoderLearner } from './AutoencoderLearner';
import type { AutoencoderParamsJson } from './autoencoderParams';
import { autoencoderParamsToJSON } from './autoencoderParams';

/** A shadow learner's identity: one per asset channel and operating regime. */
export type LearnerKey = string;

/**
 * What a full fit or a snapshot hands back: the frozen fp32 params (on the int8 grid). Why not the
 * learner's whole state: replay reservoir and optimiser moments are ten times the params, and a
 * promotion needs only the weights (the learner's own toJSON keeps the rest where it must survive).
 */
export interface LearnerSnapshot {
  readonly params: AutoencoderParamsJson;
  readonly samplesSeen: number;
  /** Wall time the request took inside the learner (ms). */
  readonly elapsedMs: number;
}

/**
 * The shadow learners of one engine. Why a service with async-shaped methods: the same interface
 * runs in a worker thread (WorkerLearnerHost posts each call as a typed request) or in-process
 * (tools), and the engine cannot tell which — training never runs on the trip path's thread.
 */
export interface LearnerApi {
  /** Full training from scratch on commissioning windows; the result becomes the shadow for `key`. */
  fit(key: LearnerKey, vectors: Float32Array[], featureNames: readonly string[], seed: number): Promise<LearnerSnapshot>;
  /** Continue from a stored learner state (after a restart or a rollback). */
  restore(key: LearnerKey, learner: unknown): Promise<void>;
  /** Online steps on windows judged or confirmed normal, in order. Fire and forget. */
  learn(key: LearnerKey, vectors: Float32Array[]): void;
  /** Scores of the shadow (what it would say), for side-by-side display and the monitoring agent. */
  score(key: LearnerKey, vectors: Float32Array[]): Promise<Float32Array>;
  /** The shadow's current state, frozen, for promotion. */
  snapshot(key: LearnerKey): Promise<LearnerSnapshot>;
  /** Forget a shadow (asset removed, regime retired). */
  drop(key: LearnerKey): Promise<void>;
  dispose(): Promise<void>;
}

/** The in-process implementation: what the worker runs, and what tools use directly. */
export class LearnerService implements LearnerApi {
  private readonly learners = new Map<LearnerKey, AutoencoderLearner>();

  async fit(key: LearnerKey, vectors: Float32Array[], featureNames: readonly string[], seed: number): Promise<LearnerSnapshot> {
    const t0 = performance.now();
    const learner = AutoencoderLearner.fit(vectors, { featureNames, seed });
    this.learners.set(key, learner);
    return this.snap(learner, t0);
  }

  async restore(key: LearnerKey, json: unknown): Promise<void> {
    this.learners.set(key, AutoencoderLearner.fromJSON(json));
  }

  learn(key: LearnerKey, vectors: Float32Array[]): void {
    const learner = this.get(key);
    for (const v of vectors) learner.learnOne(v);
  }

  async score(key: LearnerKey, vectors: Float32Array[]): Promise<Float32Array> {
    const learner = this.get(key);
    return Float32Array.from(vectors, (v) => learner.scoreOne(v));
  }

  async snapshot(key: LearnerKey): Promise<LearnerSnapshot> {
    return this.snap(this.get(key), performance.now());
  }

  async drop(key: LearnerKey): Promise<void> {
    this.learners.delete(key);
  }

  async dispose(): Promise<void> {
    this.learners.clear();
  }

  private snap(learner: AutoencoderLearner, t0: number): LearnerSnapshot {
    return { params: autoencoderParamsToJSON(learner.params()), samplesSeen: learner.samplesSeen, elapsedMs: performance.now() - t0 };
  }

  private get(key: LearnerKey): AutoencoderLearner {
    const l = this.learners.get(key);
    if (!l) throw new Error(`no shadow learner for ${key}`);
    return l;
  }
}
