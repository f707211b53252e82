import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildAutoencoderOnnx } from '../../../engine/learn/onnxAutoencoder';
import { randomAutoencoderParams, type AutoencoderShape } from './randomAutoencoder';

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
if (reason) console.warn(`onnxAutoencoderChecker.int.test skipped: ${reason}`);
const dir = mkdtempSync(join(tmpdir(), 'vigil-ae-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
    const file = join(dir, `ae-${precision}-${shape.features}-${shape.hidden.join('x')}.onnx`);
    writeFileSync(file, bytes);
    expect(() => execFileSync(PYTHON, ['-c', CHECK, file], { encoding: 'utf8', stdio: 'pipe' })).not.toThrow();
  });

  it('rejects a broken model, proving the check is real', () => {
    const file = join(dir, 'broken.onnx');
    writeFileSync(file, new Uint8Array([1, 2, 3, 4, 5]));
    expect(() => execFileSync(PYTHON, ['-c', CHECK, file], { stdio: 'pipe' })).toThrow();
  });
});
