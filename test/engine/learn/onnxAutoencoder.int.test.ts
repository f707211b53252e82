import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { scoreAutoencoderReference } from '../../../engine/learn/autoencoderForward';
import { autoencoderParamsFromJSON, autoencoderParamsToJSON, type AutoencoderParams } from '../../../engine/learn/autoencoderParams';
import { buildAutoencoderOnnx, quantizeAutoencoder, type AutoencoderPrecision } from '../../../engine/learn/onnxAutoencoder';
import { modelVersionId } from '../../../engine/model/modelVersion';
import { OnnxScorer } from '../../../engine/model/onnxScorer';
import { PRODUCTION_SHAPE, randomAutoencoderParams, randomFeatureVectors, type AutoencoderShape } from './randomAutoencoder';

const { onnx } = onnxProto;

/** int8 vs fp32 score tolerance (relative). Why 2 %: weight error is at most max|w|/254 per column (~0.4 % of the largest weight); through the layers it moved scores by at most 1.1 % on these shapes (seeded), so 2 % leaves room without hiding a real fault (a wrong scale axis gives errors of order 1). */
const INT8_VS_FP32_REL = 0.02;
/** Graph vs TypeScript reference on the same weights (relative): float32 accumulation order only. */
const GRAPH_VS_REFERENCE_REL = 1e-4;

const SHAPES: AutoencoderShape[] = [1, 4, 8, 13, 40].flatMap((features) => [
  { features, hidden: [96, 48], latent: 6 },
  { features, hidden: [8], latent: 2 },
]);

const scorers: OnnxScorer[] = [];
afterAll(async () => {
  await Promise.all(scorers.map((s) => s.dispose()));
});

async function load(params: AutoencoderParams, precision: AutoencoderPrecision): Promise<OnnxScorer> {
  const bytes = buildAutoencoderOnnx(params, { precision });
  const scorer = await OnnxScorer.create(bytes, modelVersionId(bytes));
  scorers.push(scorer);
  return scorer;
}

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
}

function pack(xs: readonly Float32Array[], f: number): Float32Array {
  const out = new Float32Array(xs.length * f);
  xs.forEach((x, i) => out.set(x, i * f));
  return out;
}

describe.each(SHAPES)('autoencoder graph, F=$features hidden=$hidden latent=$latent', (shape) => {
  const seed = 1000 + shape.features * 10 + shape.hidden.length;
  const params = randomAutoencoderParams(shape, seed);
  const xs = randomFeatureVectors(params, 64, seed + 1);

  it('fp32 scores equal the TypeScript reference within 1e-4 relative', async () => {
    const scorer = await load(params, 'fp32');
    let worst = 0;
    for (const x of xs) worst = Math.max(worst, relErr(await scorer.score(x), scoreAutoencoderReference(params, x)));
    expect(worst).toBeLessThan(GRAPH_VS_REFERENCE_REL);
  });

  it('int8 scores equal the reference on the dequantized params within 1e-4, and fp32 within 2 %', async () => {
    const int8 = await load(params, 'int8');
    const fp32 = await load(params, 'fp32');
    const quantized = quantizeAutoencoder(params).params;
    let worstExact = 0;
    let worstVsFp32 = 0;
    for (const x of xs) {
      const s = await int8.score(x);
      worstExact = Math.max(worstExact, relErr(s, scoreAutoencoderReference(quantized, x)));
      worstVsFp32 = Math.max(worstVsFp32, relErr(s, await fp32.score(x)));
    }
    expect(worstExact).toBeLessThan(GRAPH_VS_REFERENCE_REL);
    expect(worstVsFp32).toBeLessThan(INT8_VS_FP32_REL);
  });

  it.each(['fp32', 'int8'] as const)('%s: a batch of 64 scores as 64 single calls do', async (precision) => {
    const scorer = await load(params, precision);
    const batch = await scorer.scoreBatch(pack(xs, shape.features), xs.length);
    const singles = Float32Array.from(await Promise.all(xs.map((x) => scorer.score(x))));
    expect(batch.length).toBe(64);
    for (let i = 0; i < 64; i++) expect(relErr(batch[i]!, singles[i]!)).toBeLessThan(1e-6);
  });
});

describe('autoencoder graph bytes', () => {
  it('int8 is at least 3x smaller than fp32 for the production shape', () => {
    const params = randomAutoencoderParams(PRODUCTION_SHAPE, 42);
    const fp32 = buildAutoencoderOnnx(params, { precision: 'fp32' }).length;
    const int8 = buildAutoencoderOnnx(params, { precision: 'int8' }).length;
    console.info(`production autoencoder (F=13, hidden [96,48], latent 6): fp32 ${fp32} B, int8 ${int8} B, ratio ${(fp32 / int8).toFixed(2)}`);
    expect(fp32 / int8).toBeGreaterThanOrEqual(3);
  });

  it.each(['fp32', 'int8'] as const)('%s bytes are deterministic, also after a JSON round trip of the params', (precision) => {
    const params = randomAutoencoderParams(PRODUCTION_SHAPE, 43);
    const opts = { precision, metadata: { 'vigil.asset': 'pump-3' } };
    const a = buildAutoencoderOnnx(params, opts);
    const b = buildAutoencoderOnnx(randomAutoencoderParams(PRODUCTION_SHAPE, 43), opts);
    const c = buildAutoencoderOnnx(autoencoderParamsFromJSON(JSON.parse(JSON.stringify(autoencoderParamsToJSON(params)))), opts);
    expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
    expect(Buffer.from(c).equals(Buffer.from(a))).toBe(true);
  });

  it('stores kind, precision, feature names, threshold and the caller metadata', () => {
    const params = randomAutoencoderParams({ features: 4, hidden: [8], latent: 2 }, 44);
    const m = onnx.ModelProto.decode(buildAutoencoderOnnx(params, { precision: 'int8', metadata: { 'vigil.asset': 'fan-1' } }));
    expect(Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]))).toEqual({
      'vigil.asset': 'fan-1',
      'vigil.featureNames': JSON.stringify(['f0', 'f1', 'f2', 'f3']),
      'vigil.kind': 'autoencoder',
      'vigil.precision': 'int8',
      'vigil.threshold': String(params.threshold),
    });
    expect(m.opsetImport.map((o) => Number(o.version))).toEqual([17]);
    expect(() => buildAutoencoderOnnx(params, { precision: 'fp32', metadata: { 'vigil.threshold': '9' } })).toThrow(RangeError);
  });
});

describe('quantizeAutoencoder', () => {
  it('bounds every weight error by half a step of its column and leaves the input alone', () => {
    const params = randomAutoencoderParams(PRODUCTION_SHAPE, 45);
    const before = JSON.stringify(autoencoderParamsToJSON(params));
    const { params: q, layerMaxAbsError } = quantizeAutoencoder(params);
    const layers = [...params.encoder, ...params.decoder];
    const qLayers = [...q.encoder, ...q.decoder];
    expect(layerMaxAbsError).toHaveLength(layers.length);
    layers.forEach((l, n) => {
      let maxAbs = 0;
      for (const w of l.weights) maxAbs = Math.max(maxAbs, Math.abs(w));
      expect(layerMaxAbsError[n]).toBeGreaterThan(0);
      expect(layerMaxAbsError[n]).toBeLessThanOrEqual((maxAbs / 127) * 0.5 * (1 + 1e-6));
      expect(qLayers[n]!.bias).toEqual(l.bias);
    });
    expect(JSON.stringify(autoencoderParamsToJSON(params))).toBe(before);
  });
});

describe('inconsistent params', () => {
  const good = randomAutoencoderParams({ features: 4, hidden: [8], latent: 2 }, 46);
  const [enc0, enc1] = good.encoder as [AutoencoderParams['encoder'][number], AutoencoderParams['encoder'][number]];
  const cases: [string, AutoencoderParams, RegExp][] = [
    ['centre too short', { ...good, centre: good.centre.subarray(0, 3) }, /centre has 3 values, expected 4/],
    ['layer with too few weights', { ...good, encoder: [{ ...enc0, weights: enc0.weights.subarray(1) }, enc1] }, /layer 0 has 31 weights, expected 32/],
    ['latent scale of the wrong width', { ...good, latentScale: new Float32Array(3).fill(1) }, /latentScale has 3 values, expected 2/],
    ['no decoder', { ...good, decoder: [] }, /decoder/],
    ['a NaN weight', { ...good, encoder: [{ ...enc0, weights: new Float32Array(32).fill(Number.NaN) }, enc1] }, /encoder\.0\.weights/],
  ];
  it.each(cases)('%s throws a RangeError that says what is wrong', (_name, params, message) => {
    for (const precision of ['fp32', 'int8'] as const) {
      expect(() => buildAutoencoderOnnx(params, { precision })).toThrow(RangeError);
      expect(() => buildAutoencoderOnnx(params, { precision })).toThrow(message);
    }
    expect(() => quantizeAutoencoder(params)).toThrow(RangeError);
  });
});
