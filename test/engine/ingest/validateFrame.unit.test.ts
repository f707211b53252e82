import { describe, expect, it } from 'vitest';
import type { ChannelConfig } from '../../../engine/contract';
import { validateFrame, type ChannelView } from '../../../engine/ingest/validateFrame';
import { frameAt, testAsset } from './support/fixtures';

const config: ChannelConfig = testAsset().channels[0]!;

function lookupWith(nextStartMs: number | null) {
  const view: ChannelView = { config, nextStartMs };
  return (assetId: string, channelId: string): ChannelView | 'unknown_asset' | 'unknown_channel' =>
    assetId !== 'pump-1' ? 'unknown_asset' : channelId !== 'de' ? 'unknown_channel' : view;
}

function withSample(i: number, v: number) {
  const f = frameAt(0, 16);
  f.samples[i] = v;
  return f;
}

describe('validateFrame', () => {
  const cases: Array<{ name: string; frame: unknown; next?: number | null; reason: string; detail: RegExp }> = [
    { name: 'not an object', frame: 42, reason: 'malformed', detail: /expected object/ },
    { name: 'samples as a plain array', frame: { ...frameAt(0, 4), samples: [1, 2, 3] }, reason: 'malformed', detail: /samples/ },
    { name: 'missing startMs', frame: { ...frameAt(0, 4), startMs: undefined }, reason: 'malformed', detail: /startMs/ },
    { name: 'infinite startMs', frame: { ...frameAt(0, 4), startMs: Infinity }, reason: 'malformed', detail: /startMs/ },
    { name: 'unknown asset', frame: frameAt(0, 4, { assetId: 'fan-9' }), reason: 'unknown_asset', detail: /asset 'fan-9' is not configured/ },
    { name: 'unknown channel', frame: frameAt(0, 4, { channelId: 'nde' }), reason: 'unknown_channel', detail: /no channel 'nde'/ },
    { name: 'empty', frame: frameAt(0, 0), reason: 'empty', detail: /no samples/ },
    { name: 'oversized', frame: frameAt(0, 1025), reason: 'oversized', detail: /1025 samples exceed maxFrameSamples 1024/ },
    { name: 'sample rate changed', frame: frameAt(0, 4, { sampleRateHz: 2000 }), reason: 'sample_rate_changed', detail: /2000 Hz.*1000 Hz/ },
    { name: 'NaN sample', frame: withSample(5, NaN), reason: 'non_finite', detail: /sample 5 is NaN/ },
    { name: 'Infinity sample', frame: withSample(0, -Infinity), reason: 'non_finite', detail: /sample 0 is -Infinity/ },
    { name: 'duplicate frame', frame: frameAt(100, 16), next: 116, reason: 'time_backwards', detail: /16\.000 ms before the previous frame ended/ },
    { name: 'overlap beyond tolerance', frame: frameAt(114, 16), next: 116, reason: 'time_backwards', detail: /2\.000 ms before/ },
  ];

  it.each(cases)('given $name, then it is rejected as $reason with a telling detail', ({ frame, next, reason, detail }) => {
    const v = validateFrame(frame, lookupWith(next ?? null));
    expect(v.reason).toBe(reason);
    expect(v.reason !== null && v.detail).toMatch(detail);
  });

  it('given a contiguous frame, then it is accepted with no gap', () => {
    const v = validateFrame(frameAt(116, 16), lookupWith(116));
    expect(v.reason === null && { gapMs: v.gapMs, n: v.frame.samples.length }).toEqual({ gapMs: 0, n: 16 });
  });

  it('given jitter within tolerance (±1 ms, +1.5 periods), then the frame counts as contiguous', () => {
    expect([115.2, 116, 118.4].map((start) => validateFrame(frameAt(0, 16, { startMs: start }), lookupWith(116)))).toMatchObject([
      { reason: null, gapMs: 0 },
      { reason: null, gapMs: 0 },
      { reason: null, gapMs: 0 },
    ]);
  });

  it('given a start later than 1.5 periods + tolerance, then it is accepted and the gap is measured', () => {
    const v = validateFrame(frameAt(126, 16), lookupWith(116));
    expect(v).toMatchObject({ reason: null, gapMs: 10 });
  });

  it('given the first frame of a channel, then any start time is accepted', () => {
    expect(validateFrame(frameAt(-5000, 16), lookupWith(null))).toMatchObject({ reason: null, gapMs: 0 });
  });
});
