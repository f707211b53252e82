import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A CWRU-style manifest entry for `samples` written as `file` (sha256 and size filled in). */
export function cwruEntry(file: string, samples: Float32Array, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    file,
    sampling_rate_hz: 1000,
    num_samples: samples.length,
    sha256: sha(samples),
    fault_type: 'outer_race',
    fault_size_inch: 0.007,
    load_hp: 0,
    rpm_nominal: 1797,
    rpm_recorded_in_file: 1796,
    ...over,
  };
}

/** SHA-256 (hex) of a float32 array's bytes. */
export function sha(samples: Float32Array): string {
  return createHash('sha256').update(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)).digest('hex');
}

/** A temporary data directory; write files into it, then `remove()`. Never inside the repository. */
export function tempDataDir(): { dir: string; write: (name: string, content: string | Float32Array) => void; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ingest-'));
  return {
    dir,
    write: (name, content) =>
      writeFileSync(join(dir, name), typeof content === 'string' ? content : Buffer.from(content.buffer, content.byteOffset, content.byteLength)),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
