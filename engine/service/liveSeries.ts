import { LIVE_MAX_POINTS } from '../contract/live';

/**
 * Turning typed arrays into the bounded, rounded plain-number columns of a live view (JSON).
 * Pure functions: the inputs are never changed.
 */

/**
 * Values rounded to `digits` significant digits of the largest magnitude in the series: a chart
 * cannot show more, and JSON of `0.0123` is a quarter of the bytes of `0.012345678901234567`.
 * Only decimals are dropped: 98765.4 stays 98765, never 98770. Non-finite values become 0 (JSON has no NaN); callers that mean "no value" use `nullable`.
 */
export function roundSeries(values: ArrayLike<number>, digits = 4, from = 0, to = values.length): number[] {
  let top = 0;
  for (let i = from; i < to; i++) {
    const a = Math.abs(values[i]!);
    if (Number.isFinite(a) && a > top) top = a;
  }
  const decimals = top > 0 ? Math.min(15, Math.max(0, digits - 1 - Math.floor(Math.log10(top)))) : 0;
  const p = 10 ** decimals;
  const out = new Array<number>(Math.max(0, to - from));
  for (let i = from; i < to; i++) {
    const v = values[i]!;
    out[i - from] = Number.isFinite(v) ? Math.round(v * p) / p : 0;
  }
  return out;
}

/** One value rounded to `digits` significant digits, decimals only (null stays null, non-finite becomes null). */
export function roundValue(v: number | null, digits = 4): number | null {
  if (v === null || !Number.isFinite(v)) return null;
  if (v === 0) return 0;
  const decimals = Math.min(15, Math.max(0, digits - 1 - Math.floor(Math.log10(Math.abs(v)))));
  const p = 10 ** decimals;
  return Math.round(v * p) / p;
}

/**
 * Min/max decimation of a waveform to at most `maxPoints` points: per column the smallest and the
 * largest sample in the order they occur, so an impact between columns still shows (every-nth
 * decimation would drop it). Shorter inputs pass through whole. Non-finite samples are skipped.
 */
export function decimateMinMax(samples: ArrayLike<number>, maxPoints = LIVE_MAX_POINTS): { index: number[]; value: number[] } {
  const n = samples.length;
  if (n <= maxPoints) {
    const index: number[] = [];
    const value: number[] = [];
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(samples[i]!)) continue;
      index.push(i);
      value.push(samples[i]!);
    }
    return { index, value };
  }
  const columns = Math.floor(maxPoints / 2);
  const index: number[] = [];
  const value: number[] = [];
  for (let c = 0; c < columns; c++) {
    const from = Math.floor((c * n) / columns);
    const to = Math.floor(((c + 1) * n) / columns);
    let iMin = -1;
    let iMax = -1;
    for (let i = from; i < to; i++) {
      const v = samples[i]!;
      if (!Number.isFinite(v)) continue;
      if (iMin < 0 || v < samples[iMin]!) iMin = i;
      if (iMax < 0 || v > samples[iMax]!) iMax = i;
    }
    if (iMin < 0) continue;
    const a = Math.min(iMin, iMax);
    const b = Math.max(iMin, iMax);
    index.push(a);
    value.push(samples[a]!);
    if (b !== a) {
      index.push(b);
      value.push(samples[b]!);
    }
  }
  return { index, value };
}

/**
 * Bins [fromBin, toBin) of a spectrum reduced to at most `maxPoints` values by keeping the largest
 * of each group of adjacent bins (peak hold: a line keeps its height, an average would flatten it).
 * Value k stands for the group's centre, `startHz + k × stepHz`.
 */
export function peakHold(
  amplitude: ArrayLike<number>,
  binHz: number,
  fromBin: number,
  toBin: number,
  maxPoints = LIVE_MAX_POINTS,
): { startHz: number; stepHz: number; values: Float64Array } {
  const bins = Math.max(0, toBin - fromBin);
  const group = Math.max(1, Math.ceil(bins / maxPoints));
  const count = Math.ceil(bins / group);
  const values = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    let best = 0;
    const end = Math.min(toBin, fromBin + (k + 1) * group);
    for (let i = fromBin + k * group; i < end; i++) if (amplitude[i]! > best) best = amplitude[i]!;
    values[k] = best;
  }
  return { startHz: (fromBin + (group - 1) / 2) * binHz, stepHz: group * binHz, values };
}
