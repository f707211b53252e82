import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelVersionId } from '../../../engine/model/modelVersion';
import { fitNormalModel } from '../../../engine/model/normalModel';
import type { NormalModelParams } from '../../../engine/model/normalModelParams';
import { buildNormalModelOnnx } from '../../../engine/model/onnxNormalModel';
import { InvalidFeatureVectorError, OnnxScorer, SCORER_SESSION_OPTIONS } from '../../../engine/model/onnxScorer';
import { scoreReference, standardiseReference } from '../../../engine/model/referenceScorer';
import { featureNames, mulberry32, normalSampler, syntheticMachine } from './gaussianData';

const F = 14;
const machine = syntheticMachine(F, 40);
let params: NormalModelParams;
let bytes: Uint8Array;
let scorer: OnnxScorer;

/** Random vectors around the machine's level, some far outside it, seeded. */
function randomVectors(n: number, seed: number): Float32Array[] {
  const g = normalSampler(mulberry32(seed));
  return Array.from({ length: n }, () => Float32Array.from({ length: F }, (_, j) => machine.centre[j]! + machine.sigma[j]! * 3 * g()));
}

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
}

beforeAll(async () => {
  params = fitNormalModel(machine.sample(60, 41, 0.5), { featureNames: featureNames(F) });
  bytes = buildNormalModelOnnx(params);
  scorer = await OnnxScorer.create(bytes, modelVersionId(bytes));
});
afterAll(async () => {
  await scorer.dispose();
});

describe('OnnxScorer against the reference scorer', () => {
  it('agrees to 1e-5 relative on random vectors', async () => {
    for (const x of randomVectors(300, 42)) {
      expect(relErr(await scorer.score(x), scoreReference(params, x))).toBeLessThan(1e-5);
    }
  });

  it('scores a batch exactly as it scores one vector at a time', async () => {
    const xs = randomVectors(64, 43);
    const packed = new Float32Array(64 * F);
    xs.forEach((x, i) => packed.set(x, i * F));
    const batch = await scorer.scoreBatch(packed, 64);
    expect(batch.length).toBe(64);
    for (let i = 0; i < 64; i++) expect(batch[i]).toBeCloseTo(await scorer.score(xs[i]!), 5);
  });

  it('keeps overlapping calls apart (shared input buffer is not clobbered)', async () => {
    const xs = randomVectors(32, 44);
    const scores = await Promise.all(xs.map((x) => scorer.score(x)));
    scores.forEach((s, i) => expect(relErr(s, scoreReference(params, xs[i]!))).toBeLessThan(1e-5));
  });

  it('carries the version of its bytes and the feature count of its model', () => {
    expect(scorer.version).toBe(modelVersionId(bytes));
    expect(scorer.featureCount).toBe(F);
  });

  it('exposes z = (x − mean)/scale as a second output', async () => {
    const session = await ort.InferenceSession.create(bytes, { ...SCORER_SESSION_OPTIONS });
    try {
      const x = randomVectors(1, 45)[0]!;
      const out = await session.run({ features: new ort.Tensor('float32', x, [1, F]) });
      const z = out.z!.data as Float32Array;
      const ref = standardiseReference(params, x);
      for (let j = 0; j < F; j++) expect(z[j]).toBeCloseTo(ref[j]!, 4);
    } finally {
      await session.release();
    }
  });
});

describe('OnnxScorer input guard', () => {
  it('rejects a vector of the wrong length', async () => {
    await expect(scorer.score(new Float32Array(F + 1))).rejects.toThrow(InvalidFeatureVectorError);
    await expect(scorer.score(new Float32Array(F - 1))).rejects.toThrow(/expected 14/);
    await expect(scorer.scoreBatch(new Float32Array(F * 3 - 1), 3)).rejects.toThrow(/batch of 3/);
    await expect(scorer.scoreBatch(new Float32Array(F), 0)).rejects.toThrow(/positive integer/);
  });

  it('rejects NaN and infinite values', async () => {
    const x = Float32Array.from(machine.centre);
    x[3] = Number.NaN;
    await expect(scorer.score(x)).rejects.toThrow(/feature 3 of vector 0 is not finite/);
    const packed = new Float32Array(2 * F).fill(1);
    packed[F + 1] = Number.NEGATIVE_INFINITY;
    await expect(scorer.scoreBatch(packed, 2)).rejects.toThrow(/feature 1 of vector 1/);
  });

  it('refuses to score after dispose, and dispose is idempotent', async () => {
    const s = await OnnxScorer.create(bytes, 'm-test');
    await s.dispose();
    await s.dispose();
    await expect(s.score(Float32Array.from(machine.centre))).rejects.toThrow(/disposed/);
  });

  it('refuses a model without the expected input', async () => {
    const { OnnxGraphBuilder } = await import('../../../engine/model/onnxGraph');
    const g = new OnnxGraphBuilder('other').input('x', 'float32', ['batch', 2]).node('Relu', ['x'], ['score']);
    g.output('score', 'float32', ['batch', 2]);
    await expect(OnnxScorer.create(g.toBytes(), 'm-other')).rejects.toThrow(/no float32 'features' input/);
  });
});
