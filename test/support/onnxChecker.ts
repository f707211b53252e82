import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PYTHON = '/usr/bin/python3';
const CHECK = 'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)';

/**
 * Why a probe: the checker is Debian's python3-onnx (the pyenv python on PATH lacks Debian's modules);
 * without it a test must say so instead of passing silently. Returns the reason, or null when usable.
 */
export function onnxCheckerUnavailable(): string | null {
  const probe = spawnSync(PYTHON, ['-c', 'import onnx'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} not runnable: ${probe.error.message}`;
  if (probe.status !== 0) return `${PYTHON} lacks the onnx module (apt-get install -y python3-onnx)`;
  return null;
}

/** Runs `onnx.checker.check_model(full_check=True)` on model bytes; throws with the checker's message when it refuses them. */
export function checkOnnx(bytes: Uint8Array, name: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-onnx-check-'));
  try {
    const file = join(dir, `${name.replace(/[^A-Za-z0-9_.-]+/g, '_')}.onnx`);
    writeFileSync(file, bytes);
    execFileSync(PYTHON, ['-c', CHECK, file], { encoding: 'utf8', stdio: 'pipe' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
