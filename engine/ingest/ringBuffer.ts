/**
 * A fixed-capacity float32 ring holding the newest samples of one channel.
 *
 * Why: windows overlap (hop < window), so each hop needs the last `windowSize` samples without
 * re-reading the source or growing arrays. The ring is allocated once per channel; writes and
 * reads copy with `TypedArray.set` in at most two segments and never allocate per sample.
 */
export class RingBuffer {
  private readonly buf: Float32Array;
  /** Index where the next sample goes. */
  private head = 0;
  private written = 0;

  /** @param capacity the most samples kept; older ones are overwritten. */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
    this.buf = new Float32Array(capacity);
  }

  /** Samples written since construction or the last reset (may exceed capacity). */
  get totalWritten(): number {
    return this.written;
  }

  /** Samples currently readable: min(totalWritten, capacity). */
  get size(): number {
    return Math.min(this.written, this.capacity);
  }

  /**
   * Appends `samples[from, to)`, overwriting the oldest data when full. The range form lets
   * ingest write a frame in hop-sized pieces without creating subarray views.
   */
  write(samples: Float32Array, from = 0, to = samples.length): void {
    let start = from;
    const n = to - start;
    if (n <= 0) return;
    const cap = this.capacity;
    if (n >= cap) {
      // Only the last `cap` samples survive; write them as if the ring were empty.
      start = to - cap;
      this.buf.set(samples.subarray(start, to), 0);
      this.head = 0;
      this.written += n;
      return;
    }
    const firstLen = Math.min(n, cap - this.head);
    this.buf.set(samples.subarray(start, start + firstLen), this.head);
    if (firstLen < n) this.buf.set(samples.subarray(start + firstLen, to), 0);
    this.head = (this.head + n) % cap;
    this.written += n;
  }

  /**
   * Copies the newest `n` samples into `out[0, n)`, oldest first. Throws when fewer than `n`
   * samples are held: a silently short window would be scored as if it were whole.
   */
  copyLatest(n: number, out: Float32Array): Float32Array {
    if (n > this.size) throw new RangeError(`ring holds ${this.size} samples, ${n} requested`);
    if (out.length < n) throw new RangeError(`output holds ${out.length} samples, ${n} requested`);
    if (n <= 0) return out;
    const cap = this.capacity;
    const start = (this.head - n + cap) % cap;
    const firstLen = Math.min(n, cap - start);
    out.set(this.buf.subarray(start, start + firstLen), 0);
    if (firstLen < n) out.set(this.buf.subarray(0, n - firstLen), firstLen);
    return out;
  }

  /** Forgets all samples (the storage is kept and zeroed so stale data cannot leak into a window). */
  reset(): void {
    this.buf.fill(0);
    this.head = 0;
    this.written = 0;
  }
}
