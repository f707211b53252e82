/** Most points a waveform trace draws: enough for any screen, never enough to stall the page. */
export const MAX_TRACE_POINTS = 2000;

/** A decimated trace: x as the sample index, y as the value, in drawing order. */
export interface Trace {
  index: Float64Array;
  value: Float32Array;
  min: number;
  max: number;
}

/**
 * Min/max decimation to at most `maxPoints` points: per column the smallest and the largest
 * sample, in the order they occur, so a spike between columns still shows (plain every-nth
 * decimation would drop it). Non-finite samples are skipped. Pure: the input is not changed.
 */
export function decimateMinMax(samples: ArrayLike<number>, maxPoints = MAX_TRACE_POINTS): Trace {
  const n = samples.length;
  const columns = Math.max(1, Math.min(n, Math.floor(maxPoints / 2)));
  const index = new Float64Array(columns * 2);
  const value = new Float32Array(columns * 2);
  let count = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let c = 0; c < columns && n > 0; c++) {
    const from = Math.floor((c * n) / columns);
    const to = Math.max(from + 1, Math.floor(((c + 1) * n) / columns));
    let iMin = -1;
    let iMax = -1;
    for (let i = from; i < to; i++) {
      const v = samples[i]!;
      if (!Number.isFinite(v)) continue;
      if (iMin < 0 || v < samples[iMin]!) iMin = i;
      if (iMax < 0 || v > samples[iMax]!) iMax = i;
    }
    if (iMin < 0) continue;
    const [a, b] = iMin <= iMax ? [iMin, iMax] : [iMax, iMin];
    index[count] = a;
    value[count++] = samples[a]!;
    if (b !== a) {
      index[count] = b;
      value[count++] = samples[b]!;
    }
    lo = Math.min(lo, samples[iMin]!);
    hi = Math.max(hi, samples[iMax]!);
  }
  return { index: index.subarray(0, count), value: value.subarray(0, count), min: lo, max: hi };
}
