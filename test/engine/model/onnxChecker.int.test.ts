import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fitNormalModel } from '../../../engine/model/normalModel';
import { buildNormalModelOnnx } from '../../../engine/model/onnxNormalModel';
import { featureNames, syntheticMachine } from './gaussianData';

const PYTHON = '/usr/bin/python3';
const CHECK = 'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)';

/** Why probe: the checker is Debian's python3-onnx; without it the test says so instead of passing silently. */
function checkerUnavailable(): string | null {
  const probe = spawnSync(PYTHON, ['-c', 'import onnx'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} not runnable: ${probe.error.message}`;
  if (probe.status !== 0) return `${PYTHON} lacks the onnx module (apt-get install -y python3-onnx)`;
  return null;
}

const reason = checkerUnavailable();
if (reason) console.warn(`onnxChecker.int.test skipped: ${reason}`);
const dir = mkdtempSync(join(tmpdir(), 'vigil-onnx-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(reason !== null)(`ONNX checker (full_check)${reason ? ` — skipped: ${reason}` : ''}`, () => {
  it.each([1, 3, 14, 40])('accepts the normal model with %i features', (f) => {
    const machine = syntheticMachine(f, 50 + f);
    const bytes = buildNormalModelOnnx(fitNormalModel(machine.sample(60, 60 + f), { featureNames: featureNames(f) }));
    const file = join(dir, `normal-${f}.onnx`);
    writeFileSync(file, bytes);
    expect(() => execFileSync(PYTHON, ['-c', CHECK, file], { encoding: 'utf8', stdio: 'pipe' })).not.toThrow();
  });

  it('rejects a broken model, proving the check is real', () => {
    const file = join(dir, 'broken.onnx');
    writeFileSync(file, new Uint8Array([1, 2, 3, 4, 5]));
    expect(() => execFileSync(PYTHON, ['-c', CHECK, file], { stdio: 'pipe' })).toThrow();
  });
});
