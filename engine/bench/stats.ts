/** Percentile of unsorted samples (nearest rank); NaN when empty. */
export function percentile(samples: ArrayLike<number>, p: number): number {
  const n = samples.length;
  if (n === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1));
  return sorted[rank]!;
}

/** Tracks the peak resident set size by sampling it at a fixed interval. */
export class RssSampler {
  peakBytes = process.memoryUsage().rss;
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 50) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): void {
    const rss = process.memoryUsage().rss;
    if (rss > this.peakBytes) this.peakBytes = rss;
  }

  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peakBytes;
  }
}

/** `x` rounded to `d` decimals, for the bench's printed and stored figures. */
export function round(x: number, d = 1): number {
  return Math.round(x * 10 ** d) / 10 ** d;
}
