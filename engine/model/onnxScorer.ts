import * as ort from 'onnxruntime-node';
import { NORMAL_MODEL_INPUT, NORMAL_MODEL_SCORE } from './onnxNormalModel';

/**
 * Session options for hot-path scoring. Why single-threaded: one window is a few hundred FLOPs,
 * thread hand-off would cost more than the work, and the engine runs one worker per core budget.
 */
export const SCORER_SESSION_OPTIONS: ort.InferenceSession.SessionOptions = Object.freeze({
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
});

/** Thrown for a vector that must not reach the model (wrong length, NaN, ±Infinity). */
export class InvalidFeatureVectorError extends RangeError {
  /** Why a class: the caller counts rejections by reason instead of treating them as model faults. */
  constructor(message: string) {
    super(message);
    this.name = 'InvalidFeatureVectorError';
  }
}

/**
 * Scores feature vectors with a model-of-normal ONNX graph through onnxruntime-node.
 * Why a class: it owns a native session (a disposable) and a reusable input tensor, and tags
 * every score with the version of the bytes it was created from.
 *
 * Inputs are validated before the native call: length F, every value finite. onnxruntime-node
 * reads the input buffer on a later tick, so the shared buffer is used only when no other run
 * is in flight; overlapping calls get their own buffer rather than corrupting each other.
 */
export class OnnxScorer {
  private readonly single: Float32Array;
  private readonly singleTensor: ort.Tensor;
  private singleBusy = false;
  private disposed = false;

  private constructor(
    private readonly session: ort.InferenceSession,
    /** Model version id of the bytes (see modelVersionId); stamped on every score. */
    readonly version: string,
    /** Feature count F, read from the model's input shape. */
    readonly featureCount: number,
  ) {
    this.single = new Float32Array(featureCount);
    this.singleTensor = new ort.Tensor('float32', this.single, [1, featureCount]);
  }

  /** Load model bytes into a single-threaded CPU session. */
  static async create(bytes: Uint8Array, version: string): Promise<OnnxScorer> {
    const session = await ort.InferenceSession.create(bytes, { ...SCORER_SESSION_OPTIONS });
    try {
      const meta = session.inputMetadata.find((m) => m.name === NORMAL_MODEL_INPUT);
      if (!session.outputNames.includes(NORMAL_MODEL_SCORE)) throw new Error(`model has no '${NORMAL_MODEL_SCORE}' output`);
      if (!meta || !meta.isTensor || meta.type !== 'float32') throw new Error(`model has no float32 '${NORMAL_MODEL_INPUT}' input`);
      const f = meta.shape[1];
      if (meta.shape.length !== 2 || typeof f !== 'number' || f < 1) {
        throw new Error(`model input '${NORMAL_MODEL_INPUT}' must be [batch, F], got [${meta.shape.join(', ')}]`);
      }
      return new OnnxScorer(session, version, f);
    } catch (e) {
      await session.release();
      throw e;
    }
  }

  /** Score one vector of length F. */
  async score(vec: Float32Array): Promise<number> {
    this.assertLive();
    this.validate(vec, 1);
    let tensor = this.singleTensor;
    const shared = !this.singleBusy;
    if (shared) {
      this.singleBusy = true;
      this.single.set(vec);
    } else {
      tensor = new ort.Tensor('float32', Float32Array.from(vec), [1, this.featureCount]);
    }
    try {
      const out = await this.session.run({ [NORMAL_MODEL_INPUT]: tensor }, [NORMAL_MODEL_SCORE]);
      return (out[NORMAL_MODEL_SCORE]!.data as Float32Array)[0]!;
    } finally {
      if (shared) this.singleBusy = false;
    }
  }

  /** Score `batch` vectors packed row-major in `vecs` (length batch × F). Returns `batch` scores. */
  async scoreBatch(vecs: Float32Array, batch: number): Promise<Float32Array> {
    this.assertLive();
    if (!Number.isInteger(batch) || batch < 1) throw new InvalidFeatureVectorError(`batch must be a positive integer, got ${batch}`);
    this.validate(vecs, batch);
    // A private copy: the caller may reuse its buffer before the runtime reads it.
    const tensor = new ort.Tensor('float32', Float32Array.from(vecs), [batch, this.featureCount]);
    const out = await this.session.run({ [NORMAL_MODEL_INPUT]: tensor }, [NORMAL_MODEL_SCORE]);
    return out[NORMAL_MODEL_SCORE]!.data as Float32Array;
  }

  /** Release the native session. Idempotent; later score calls throw. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }

  private validate(vecs: Float32Array, batch: number): void {
    if (!(vecs instanceof Float32Array)) throw new InvalidFeatureVectorError('feature vectors must be a Float32Array');
    const f = this.featureCount;
    if (vecs.length !== batch * f) {
      throw new InvalidFeatureVectorError(
        batch === 1 ? `feature vector has ${vecs.length} values, expected ${f}` : `batch of ${batch} needs ${batch * f} values, got ${vecs.length}`,
      );
    }
    for (let i = 0; i < vecs.length; i++) {
      if (!Number.isFinite(vecs[i]!)) {
        throw new InvalidFeatureVectorError(`feature ${i % f} of vector ${Math.floor(i / f)} is not finite (${vecs[i]})`);
      }
    }
  }

  private assertLive(): void {
    if (this.disposed) throw new Error(`scorer for model ${this.version} has been disposed`);
  }
}
