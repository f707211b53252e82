import type { AssetConfig, Frame } from '../../../../engine/contract';

/** A small asset for ingest tests: 1 kHz, window 8, hop 4, frames up to 64 samples. */
export function testAsset(overrides: Partial<AssetConfig['channels'][number]> = {}): AssetConfig {
  return {
    assetId: 'pump-1',
    name: 'Test pump',
    bearing: { name: 'SKF 6205', rollingElements: 9, rollerDiameterMm: 7.94, pitchDiameterMm: 39.04, contactAngleDeg: 0 },
    nominalShaftHz: 29.95,
    channels: [{ channelId: 'de', sampleRateHz: 1000, windowSize: 256, hopSize: 64, maxFrameSamples: 1024, ...overrides }],
    setpoints: { score: { alert: 1, danger: 3, onDelayWindows: 2 }, velocityMmS: { alert: 4.5, danger: 7.1, onDelayWindows: 2 } },
    commissioningWindows: 8,
  };
}

/** Samples i0 .. i0+n-1 of a deterministic non-flat ramp-plus-sine signal (value encodes the index). */
export function ramp(i0: number, n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = ((i0 + i) % 1000) / 1000 + 0.1 * Math.sin(i0 + i);
  return x;
}

/** A frame of `n` samples starting at sample index `i0` of a 1 kHz channel (startMs = i0 ms). */
export function frameAt(i0: number, n: number, over: Partial<Frame> = {}): Frame {
  return { assetId: 'pump-1', channelId: 'de', startMs: i0, sampleRateHz: 1000, samples: ramp(i0, n), ...over };
}
