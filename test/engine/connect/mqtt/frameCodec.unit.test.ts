import { describe, expect, it } from 'vitest';
import { decodeWave, encodeWave, FRAME_HEADER_BYTES, MAX_FRAME_SAMPLES } from '../../../../engine/connect/mqtt/frameCodec';
import { SequenceTracker } from '../../../../engine/connect/mqtt/sequenceTracker';

/** The wave payload's round trip and its refusals; the sequence tracker's verdicts, wrap-around included. */
describe('frameCodec', () => {
  const wave = { seq: 4_294_967_295, startMs: 1_795_000_000_123.25, sampleRateHz: 25_600, samples: Float32Array.from({ length: 256 }, (_, i) => i / 3 - 40), shaftHz: 24.75 };

  it('given a frame, when encoded and decoded (also from an unaligned offset), then it comes back exactly; a 256-sample frame is 1 056 bytes', () => {
    const buf = encodeWave(wave);
    expect(buf.byteLength).toBe(1056);
    expect(decodeWave(buf)).toEqual({ ok: true, wave });
    const unaligned = Buffer.concat([Buffer.from([9]), buf]).subarray(1);
    expect(decodeWave(unaligned)).toEqual({ ok: true, wave });
    const { shaftHz: _omit, ...noShaft } = wave;
    expect(decodeWave(encodeWave(noShaft))).toEqual({ ok: true, wave: noShaft });
  });

  it('given broken payloads, then each is refused under its own problem, never thrown', () => {
    const good = encodeWave(wave);
    const header = (edit: (b: Buffer) => void): Buffer => {
      const b = Buffer.from(good);
      edit(b);
      return b;
    };
    const problems = [
      good.subarray(0, 10),
      header((b) => b.write('XXXX', 0)),
      header((b) => b.writeUInt8(2, 4)),
      header((b) => b.writeFloatLE(Number.NaN, 20)),
      header((b) => b.writeFloatLE(-1, 20)),
      header((b) => b.writeDoubleLE(Number.POSITIVE_INFINITY, 12)),
      header((b) => b.writeFloatLE(0, 28)),
      header((b) => b.writeUInt32LE(MAX_FRAME_SAMPLES + 1, 24)),
      good.subarray(0, FRAME_HEADER_BYTES + 100),
      Buffer.concat([good, Buffer.alloc(4)]),
    ].map((b) => {
      const d = decodeWave(b);
      return d.ok ? 'ok' : d.problem;
    });
    expect(problems).toEqual(['too_short', 'bad_magic', 'bad_version', 'bad_header', 'bad_header', 'bad_header', 'bad_header', 'too_many_samples', 'length_mismatch', 'length_mismatch']);
  });
});

describe('SequenceTracker', () => {
  it('given a stream through the 32-bit wrap with a gap, a repeat, an old frame and a publisher restart, then each gets its verdict and the counts add up', () => {
    const t = new SequenceTracker();
    const seen = [
      [4_294_967_294, 100],
      [4_294_967_295, 110],
      [0, 120],
      [3, 150],
      [3, 150],
      [1, 130],
      [0, 500],
      [1, 510],
    ].map(([seq, at]) => t.observe('pump-101/de', seq!, at!).kind);
    expect(seen).toEqual(['next', 'next', 'next', 'gap', 'duplicate', 'duplicate', 'restart', 'next']);
    expect(t.totals()).toEqual({ frames: 6, gaps: 1, missing: 2, duplicates: 2, restarts: 1 });
    expect(t.observe('fan-201/de', 7, 0).kind).toBe('next');
  });
});
