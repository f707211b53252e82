import { describe, expect, it } from 'vitest';
import { fitNormalModel } from '../../../engine/model/normalModel';
import { buildNormalModelOnnx } from '../../../engine/model/onnxNormalModel';
import { checkOnnx, onnxCheckerUnavailable } from '../../support/onnxChecker';
import { featureNames, syntheticMachine } from './gaussianData';

const reason = onnxCheckerUnavailable();
if (reason) console.warn(`onnxChecker.int.test skipped: ${reason}`);

describe.skipIf(reason !== null)(`ONNX checker (full_check)${reason ? ` — skipped: ${reason}` : ''}`, () => {
  it.each([1, 3, 14, 40])('accepts the normal model with %i features', (f) => {
    const machine = syntheticMachine(f, 50 + f);
    const bytes = buildNormalModelOnnx(fitNormalModel(machine.sample(60, 60 + f), { featureNames: featureNames(f) }));
    expect(() => checkOnnx(bytes, `normal-${f}`)).not.toThrow();
  });

  it('rejects a broken model, proving the check is real', () => {
    expect(() => checkOnnx(new Uint8Array([1, 2, 3, 4, 5]), 'broken')).toThrow();
  });
});
