import { percentile } from '../bench/stats';
import { modelVersionId } from '../model/modelVersion';
import { OnnxScorer } from '../model/onnxScorer';
import type { AutoencoderParams } from './autoencoderParams';
import { buildAutoencoderOnnx } from './onnxAutoencoder';

/** Latency percentiles of one call, in microseconds. */
export interface LatencyUs {
  readonly p50: number;
  readonly p99: number;
}

/** Per-call latency of one precision: a single vector and a batch of 64 vectors. */
export interface PrecisionLatencyUs {
  readonly batch1: LatencyUs;
  /** Whole call for 64 vectors (divide by 64 for the per-vector cost). */
  readonly batch64: LatencyUs;
}

/** What {@link benchAutoencoderPrecision} measures. */
export interface AutoencoderPrecisionBench {
  readonly fp32Bytes: number;
  readonly int8Bytes: number;
  readonly fp32Us: PrecisionLatencyUs;
  readonly int8Us: PrecisionLatencyUs;
  /** Largest |int8 score − fp32 score| over the vectors. */
  readonly maxAbsScoreDiff: number;
  /** Largest |int8 − fp32| / |fp32| over the vectors. */
  readonly maxRelScoreDiff: number;
}

/** Options of {@link benchAutoencoderPrecision}. */
export interface AutoencoderBenchOptions {
  /** Timed calls per precision and batch size (default 1000); warm-up calls come on top. */
  readonly iterations?: number;
}

/** Batch size of the batched measurement: a plant's worth of windows scored together. */
const BATCH = 64;
/** Untimed calls first, so session arenas, pre-packed weights and the JIT are settled. */
const WARMUP_CALLS = 50;

/**
 * Build an autoencoder at fp32 and int8, load both through OnnxScorer (the trip path's scorer)
 * and measure bytes, per-call latency at batch 1 and batch 64, and how far int8 scores move
 * from fp32. Why both precisions in one run: the choice between them is a trade of bytes
 * against score error at a latency cost, and only figures from the same machine, same vectors
 * and interleaved calls (so drift in CPU clock or load hits both alike) can decide it.
 *
 * `vectors` are the feature vectors to score (length F each); the batch of 64 cycles through
 * them if there are fewer. Sessions are always released, also when a call throws.
 */
export async function benchAutoencoderPrecision(
  params: AutoencoderParams,
  vectors: readonly Float32Array[],
  opts: AutoencoderBenchOptions = {},
): Promise<AutoencoderPrecisionBench> {
  const iterations = opts.iterations ?? 1000;
  if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError(`iterations must be a positive integer, got ${iterations}`);
  if (vectors.length === 0) throw new RangeError('benchAutoencoderPrecision needs at least one feature vector');
  const f = params.featureNames.length;
  const packed = new Float32Array(BATCH * f);
  for (let i = 0; i < BATCH; i++) packed.set(vectors[i % vectors.length]!, i * f);

  const fp32Bytes = buildAutoencoderOnnx(params, { precision: 'fp32' });
  const int8Bytes = buildAutoencoderOnnx(params, { precision: 'int8' });
  const scorers: OnnxScorer[] = [];
  try {
    scorers.push(await OnnxScorer.create(fp32Bytes, modelVersionId(fp32Bytes)));
    scorers.push(await OnnxScorer.create(int8Bytes, modelVersionId(int8Bytes)));
    const [fp32, int8] = scorers as [OnnxScorer, OnnxScorer];

    let maxAbsScoreDiff = 0;
    let maxRelScoreDiff = 0;
    for (const v of vectors) {
      const a = await fp32.score(v);
      const b = await int8.score(v);
      maxAbsScoreDiff = Math.max(maxAbsScoreDiff, Math.abs(b - a));
      maxRelScoreDiff = Math.max(maxRelScoreDiff, Math.abs(b - a) / Math.max(Math.abs(a), Number.MIN_VALUE));
    }

    const single = [new Float64Array(iterations), new Float64Array(iterations)] as const;
    const batched = [new Float64Array(iterations), new Float64Array(iterations)] as const;
    const orders: readonly (readonly (0 | 1)[])[] = [[0, 1], [1, 0]];
    for (let it = -WARMUP_CALLS; it < iterations; it++) {
      // Alternate which precision goes first, so neither always runs on a cache the other warmed.
      for (const s of orders[it & 1]!) {
        const scorer = scorers[s]!;
        const vec = vectors[(it + WARMUP_CALLS) % vectors.length]!;
        let t0 = process.hrtime.bigint();
        await scorer.score(vec);
        const oneUs = Number(process.hrtime.bigint() - t0) / 1e3;
        t0 = process.hrtime.bigint();
        await scorer.scoreBatch(packed, BATCH);
        const batchUs = Number(process.hrtime.bigint() - t0) / 1e3;
        if (it >= 0) {
          single[s][it] = oneUs;
          batched[s][it] = batchUs;
        }
      }
    }
    const latency = (s: 0 | 1): PrecisionLatencyUs => ({ batch1: summarise(single[s]), batch64: summarise(batched[s]) });
    return {
      fp32Bytes: fp32Bytes.length,
      int8Bytes: int8Bytes.length,
      fp32Us: latency(0),
      int8Us: latency(1),
      maxAbsScoreDiff,
      maxRelScoreDiff,
    };
  } finally {
    await Promise.all(scorers.map((s) => s.dispose()));
  }
}

function summarise(samplesUs: Float64Array): LatencyUs {
  return { p50: percentile(samplesUs, 50), p99: percentile(samplesUs, 99) };
}
