import { afterEach, describe, expect, it } from 'vitest';
import { findEntry, loadManifest, loadRecording, RecordingError } from '../../../engine/ingest/manifest';
import { cwruEntry, sha, tempDataDir } from './support/tempRecordings';

const signal = Float32Array.from([0.5, -0.25, 1.5, -2]);
const dirs: Array<ReturnType<typeof tempDataDir>> = [];
function dataDir() {
  const d = tempDataDir();
  dirs.push(d);
  return d;
}
afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

const cwruManifest = (entries: unknown[]) => JSON.stringify({ dataset: 'CWRU test', recordings: entries });

/** Runs the whole load path (manifest → entry → file) and returns what it threw. */
async function loadError(setup: (d: ReturnType<typeof tempDataDir>) => void, file = 'x.f32'): Promise<{ problem: string; message: string }> {
  const d = dataDir();
  setup(d);
  try {
    const m = await loadManifest(d.dir);
    await loadRecording(d.dir, findEntry(m, file));
  } catch (e) {
    if (e instanceof RecordingError) return { problem: e.problem, message: e.message.replaceAll(d.dir, '<dir>') };
    throw e;
  }
  throw new Error('expected a RecordingError');
}

describe('manifest and recording loader: bad inputs', () => {
  const table: Array<{ name: string; setup: (d: ReturnType<typeof tempDataDir>) => void; file?: string; problem: string; message: RegExp }> = [
    { name: 'missing manifest', setup: () => {}, problem: 'missing_manifest', message: /missing manifest: cannot read <dir>\/manifest\.json \(ENOENT\)/ },
    { name: 'malformed JSON', setup: (d) => d.write('manifest.json', '{"recordings": ['), problem: 'malformed_json', message: /malformed JSON in <dir>\/manifest\.json/ },
    {
      name: 'an entry without sha256',
      setup: (d) => {
        const { sha256: _drop, ...rest } = cwruEntry('x.f32', signal);
        d.write('manifest.json', cwruManifest([rest]));
      },
      problem: 'invalid_manifest',
      message: /invalid CWRU manifest <dir>\/manifest\.json: recordings\[0\]\.sha256: Invalid input: expected string, received undefined/,
    },
    {
      name: 'a negative sampling rate',
      setup: (d) => d.write('manifest.json', cwruManifest([cwruEntry('x.f32', signal, { sampling_rate_hz: -1 })])),
      problem: 'invalid_manifest',
      message: /recordings\[0\]\.sampling_rate_hz: Too small/,
    },
    {
      name: 'an IMS trajectory without rows',
      setup: (d) =>
        d.write('manifest.json', JSON.stringify({ dataset: 'IMS', trajectories: [{ file: 'x.f32', num_columns: 1, columns: ['a'], timestamps: [], sha256: sha(signal), shaft_rpm: 2000 }] })),
      problem: 'invalid_manifest',
      message: /invalid IMS manifest .*trajectories\[0\]\.rows: Invalid input: expected number/,
    },
    {
      name: 'a file name with a path',
      setup: (d) => d.write('manifest.json', cwruManifest([cwruEntry('../x.f32', signal)])),
      problem: 'invalid_manifest',
      message: /recordings\[0\]\.file: file must be a bare file name/,
    },
    {
      name: 'a recording not in the manifest',
      setup: (d) => d.write('manifest.json', cwruManifest([cwruEntry('x.f32', signal)])),
      file: 'nope.f32',
      problem: 'unknown_recording',
      message: /unknown recording: 'nope\.f32' is not listed in <dir>\/manifest\.json/,
    },
    {
      name: 'a listed file missing on disk',
      setup: (d) => d.write('manifest.json', cwruManifest([cwruEntry('x.f32', signal)])),
      problem: 'file_not_found',
      message: /file not found: <dir>\/x\.f32 \(ENOENT\)/,
    },
    {
      name: 'a truncated .f32',
      setup: (d) => {
        d.write('manifest.json', cwruManifest([cwruEntry('x.f32', signal)]));
        d.write('x.f32', signal.subarray(0, 3));
      },
      problem: 'truncated',
      message: /truncated or oversized file: <dir>\/x\.f32 has 12 bytes, manifest num_samples 4 × 4 = 16 bytes/,
    },
    {
      name: 'an altered .f32 (SHA-256 mismatch)',
      setup: (d) => {
        d.write('manifest.json', cwruManifest([cwruEntry('x.f32', signal)]));
        d.write('x.f32', Float32Array.from([0.5, -0.25, 1.5, -2.5]));
      },
      problem: 'sha256_mismatch',
      message: new RegExp(`SHA-256 mismatch for <dir>/x\\.f32: file [0-9a-f]{64}, manifest ${sha(signal)}`),
    },
  ];

  it.each(table)('given $name, then loading throws a RecordingError naming the problem', async ({ setup, file, problem, message }) => {
    const err = await loadError(setup, file);
    expect(err.problem).toBe(problem);
    expect(err.message).toMatch(message);
  });
});

describe('manifest and recording loader: good inputs', () => {
  it('given a valid CWRU manifest and file, then the samples come back exactly', async () => {
    const d = dataDir();
    d.write('manifest.json', cwruManifest([cwruEntry('x.f32', signal, { extra_provenance: 'kept' })]));
    d.write('x.f32', signal);
    const m = await loadManifest(d.dir);
    const entry = findEntry(m, 'x.f32');
    expect({ kind: m.kind, extra: (entry as Record<string, unknown>).extra_provenance, samples: Array.from(await loadRecording(d.dir, entry)) }).toEqual({
      kind: 'cwru',
      extra: 'kept',
      samples: [0.5, -0.25, 1.5, -2],
    });
  });

  it('given a valid IMS manifest, then the matrix is checked against rows × columns', async () => {
    const d = dataDir();
    const matrix = Float32Array.from([1, 2, 3, 4, 5, 6]);
    d.write(
      'manifest.json',
      JSON.stringify({ dataset: 'IMS', trajectories: [{ file: 'm.f32', rows: 3, num_columns: 2, columns: ['a', 'b'], timestamps: ['t0', 't1', 't2'], sha256: sha(matrix), shaft_rpm: 2000 }] }),
    );
    d.write('m.f32', matrix);
    const m = await loadManifest(d.dir);
    expect({ kind: m.kind, values: Array.from(await loadRecording(d.dir, findEntry(m, 'm.f32'))) }).toEqual({ kind: 'ims', values: [1, 2, 3, 4, 5, 6] });
  });
});
