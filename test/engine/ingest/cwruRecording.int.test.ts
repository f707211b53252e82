import { describe, expect, it } from 'vitest';
import { Ingest } from '../../../engine/ingest/ingest';
import { findEntry, isWaveform, loadManifest, loadRecording } from '../../../engine/ingest/manifest';
import { ReplaySource } from '../../../engine/ingest/replay';
import { dataDir } from '../../support/data';
import { testAsset } from './support/fixtures';

const cwru = dataDir('cwru');
const ims = dataDir('ims');
const FILE = 'cwru_or6_007_load0_de12k.f32';

describe('real recordings (shared data)', () => {
  it.skipIf(!cwru.present)(`reads ${FILE} with its SHA-256 checked, and its RMS matches the manifest [${cwru.present ? 'data present' : cwru.skipReason}]`, async () => {
    const manifest = await loadManifest(cwru.dir);
    const entry = findEntry(manifest, FILE);
    if (!isWaveform(entry)) throw new Error('expected a waveform entry');
    const samples = await loadRecording(cwru.dir, entry);
    let ss = 0;
    for (const v of samples) ss += v * v;
    expect({
      kind: manifest.kind,
      recordings: manifest.kind === 'cwru' ? manifest.recordings.length : 0,
      rate: entry.sampling_rate_hz,
      n: samples.length,
      rmsClose: Math.abs(Math.sqrt(ss / samples.length) - (entry.rms as number)) < 1e-6,
    }).toEqual({ kind: 'cwru', recordings: 26, rate: 12000, n: entry.num_samples, rmsClose: true });
  });

  it.skipIf(!cwru.present)(`replays ${FILE} through ingest: every frame accepted, one hop per 1024 samples after the first window [${cwru.present ? 'data present' : cwru.skipReason}]`, async () => {
    const src = await ReplaySource.fromRecording(cwru.dir, FILE, { assetId: 'pump-1', channelId: 'de', frameSamples: 1024, epochMs: 0 });
    const asset = testAsset({ sampleRateHz: 12000, windowSize: 4096, hopSize: 1024, maxFrameSamples: 16384 });
    const ingest = new Ingest([asset], () => 0);
    const shaft = new Set<number | undefined>();
    ingest.onHop((h) => shaft.add(h.shaftHz));
    for (const f of src.frames()) ingest.accept(f);
    const c = ingest.counters();
    const entry = findEntry(await loadManifest(cwru.dir), FILE);
    const n = isWaveform(entry) ? entry.num_samples : NaN;
    expect({ frames: c.frames, samples: c.samples, gaps: c.gaps, hops: c.hops, suppressed: c.suppressedHops, rejected: Object.values(c.rejected).reduce((a, b) => a + b), shaft: [...shaft] }).toEqual({
      frames: Math.ceil(n / 1024),
      samples: n,
      gaps: 0,
      hops: Math.floor((n - 4096) / 1024) + 1,
      suppressed: 0,
      rejected: 0,
      shaft: [1796 / 60],
    });
  });

  it.skipIf(!ims.present)(`reads both IMS feature matrices with size and SHA-256 checked [${ims.present ? 'data present' : ims.skipReason}]`, async () => {
    const manifest = await loadManifest(ims.dir);
    if (manifest.kind !== 'ims') throw new Error('expected an IMS manifest');
    const shapes = [];
    for (const t of manifest.trajectories) shapes.push({ file: t.file, values: (await loadRecording(ims.dir, t)).length, expected: t.rows * t.num_columns });
    expect(shapes).toEqual([
      { file: 'ims_test1_features.f32', values: 2156 * 96, expected: 2156 * 96 },
      { file: 'ims_test3_meanabs.f32', values: 6324 * 4, expected: 6324 * 4 },
    ]);
  });
});
