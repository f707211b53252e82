import { describe, expect, it } from 'vitest';
import { fitNormalModel } from '../../../engine/model/normalModel';
import { isModelVersionId, modelVersionId } from '../../../engine/model/modelVersion';
import { buildNormalModelOnnx } from '../../../engine/model/onnxNormalModel';
import { featureNames, syntheticMachine } from './gaussianData';

describe('modelVersionId', () => {
  const machine = syntheticMachine(6, 30);
  const params = fitNormalModel(machine.sample(40, 31), { featureNames: featureNames(6) });

  it('is a short content hash: same bytes, same id', () => {
    const id = modelVersionId(buildNormalModelOnnx(params));
    expect(isModelVersionId(id)).toBe(true);
    expect(modelVersionId(buildNormalModelOnnx(params))).toBe(id);
    expect(modelVersionId(new TextEncoder().encode('abc'))).toBe('m-ba7816bf8f01');
  });

  it('changes when anything that affects scoring changes', () => {
    const id = modelVersionId(buildNormalModelOnnx(params));
    expect(modelVersionId(buildNormalModelOnnx({ ...params, threshold: params.threshold * 1.01 }))).not.toBe(id);
    const renamed = { ...params, featureNames: [...params.featureNames].reverse() };
    expect(modelVersionId(buildNormalModelOnnx(renamed))).not.toBe(id);
  });
});
