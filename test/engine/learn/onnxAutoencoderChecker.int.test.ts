import { describe, expect, it } from 'vitest';
import { buildAutoencoderOnnx } from '../../../engine/learn/onnxAutoencoder';
import { checkOnnx, onnxCheckerUnavailable } from '../../support/onnxChecker';
import { randomAutoencoderParams, type AutoencoderShape } from './randomAutoencoder';

const reason = onnxCheckerUnavailable();
if (reason) console.warn(`onnxAutoencoderChecker.int.test skipped: ${reason}`);

const SHAPES: AutoencoderShape[] = [
  { features: 1, hidden: [8], latent: 2 },
  { features: 13, hidden: [96, 48], latent: 6 },
  { features: 40, hidden: [96, 48], latent: 6 },
  { features: 64, hidden: [32, 16], latent: 8 },
];

describe.skipIf(reason !== null)(`ONNX checker (full_check) on autoencoder graphs${reason ? ` — skipped: ${reason}` : ''}`, () => {
  const cases = SHAPES.flatMap((shape) => (['fp32', 'int8'] as const).map((precision) => [precision, shape] as const));
  it.each(cases)('accepts the %s graph of %o', (precision, shape) => {
    const bytes = buildAutoencoderOnnx(randomAutoencoderParams(shape, 7 + shape.features), { precision, metadata: { 'vigil.asset': 'check' } });
    expect(() => checkOnnx(bytes, `ae-${precision}-${shape.features}-${shape.hidden.join('x')}`)).not.toThrow();
  });

  it('rejects a broken model, proving the check is real', () => {
    expect(() => checkOnnx(new Uint8Array([1, 2, 3, 4, 5]), 'broken')).toThrow();
  });
});
