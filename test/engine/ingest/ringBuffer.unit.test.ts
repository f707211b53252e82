import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../../engine/ingest/ringBuffer';

const seq = (from: number, n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => from + i);

describe('RingBuffer', () => {
  it('given writes that wrap, when copying the latest n, then returns them oldest first', () => {
    const ring = new RingBuffer(5);
    ring.write(seq(0, 3));
    ring.write(seq(3, 4)); // 0..6 written, capacity 5 keeps 2..6
    const out = new Float32Array(5);
    expect({ latest: Array.from(ring.copyLatest(5, out)), total: ring.totalWritten, size: ring.size }).toEqual({
      latest: [2, 3, 4, 5, 6],
      total: 7,
      size: 5,
    });
    expect(Array.from(ring.copyLatest(3, new Float32Array(3)))).toEqual([4, 5, 6]);
  });

  it('given a write longer than the capacity, then only the newest capacity samples are kept', () => {
    const ring = new RingBuffer(4);
    ring.write(seq(0, 2));
    ring.write(seq(10, 9));
    expect({ latest: Array.from(ring.copyLatest(4, new Float32Array(4))), total: ring.totalWritten }).toEqual({ latest: [15, 16, 17, 18], total: 11 });
  });

  it('given a ranged write, then only that slice is appended', () => {
    const ring = new RingBuffer(8);
    ring.write(seq(0, 10), 3, 6);
    expect({ latest: Array.from(ring.copyLatest(3, new Float32Array(3))), total: ring.totalWritten }).toEqual({ latest: [3, 4, 5], total: 3 });
  });

  it('given fewer samples than requested, then copyLatest refuses rather than returning a short window', () => {
    const ring = new RingBuffer(8);
    ring.write(seq(0, 3));
    expect(() => ring.copyLatest(4, new Float32Array(4))).toThrow(/holds 3 samples, 4 requested/);
  });

  it('given a reset, then the ring is empty and old samples cannot reappear', () => {
    const ring = new RingBuffer(4);
    ring.write(seq(1, 4));
    ring.reset();
    ring.write(seq(100, 2));
    expect({ size: ring.size, total: ring.totalWritten, latest: Array.from(ring.copyLatest(2, new Float32Array(2))) }).toEqual({
      size: 2,
      total: 2,
      latest: [100, 101],
    });
    expect(() => ring.copyLatest(3, new Float32Array(3))).toThrow(RangeError);
  });

  it('given many small wrapping writes, then the window always equals the last samples written', () => {
    const ring = new RingBuffer(7);
    const all: number[] = [];
    let next = 0;
    for (let k = 1; k < 40; k++) {
      const chunk = seq(next, k % 5);
      next += chunk.length;
      all.push(...chunk);
      ring.write(chunk);
      const n = Math.min(ring.size, 7);
      expect(Array.from(ring.copyLatest(n, new Float32Array(n)))).toEqual(all.slice(all.length - n));
    }
  });
});
