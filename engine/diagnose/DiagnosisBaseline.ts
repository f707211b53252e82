import type { FeatureSet } from '../contract/features';
import { DIAG_FEATURES, relativeFeatures } from './relativeFeatures';

/** JSON form of a baseline, stored with the asset's model so diagnosis survives restarts. */
export interface DiagnosisBaselineJSON {
  version: 1;
  windows: number;
  /** Per diagnostic quantity (DIAG_FEATURES order by name): median over commissioning windows. */
  median: Record<string, number>;
  /** Per diagnostic quantity: median absolute deviation, scaled to σ for Gaussian data (×1.4826). */
  mad: Record<string, number>;
}

/**
 * What "normal" looks like to diagnosis: per diagnostic quantity, the median and MAD over the
 * commissioning windows. Robust statistics because commissioning data holds the odd transient (a
 * door slam, a speed change) that a mean would absorb. Immutable once built.
 */
export class DiagnosisBaseline {
  private constructor(
    /** Medians in DIAG_FEATURES order. */
    readonly median: Float64Array,
    /** σ-scaled MADs in DIAG_FEATURES order. */
    readonly mad: Float64Array,
    readonly windows: number,
  ) {}

  /** Build from commissioning FeatureSets (at least one; ~30–300 windows in practice). */
  static fromFeatureSets(fss: readonly FeatureSet[]): DiagnosisBaseline {
    if (fss.length === 0) throw new Error('a diagnosis baseline needs at least one commissioning window');
    const nf = DIAG_FEATURES.length;
    const cols = Array.from({ length: nf }, () => new Float64Array(fss.length));
    const row = new Float64Array(nf);
    fss.forEach((fs, w) => {
      relativeFeatures(fs, row);
      for (let f = 0; f < nf; f++) cols[f]![w] = row[f]!;
    });
    const median = new Float64Array(nf);
    const mad = new Float64Array(nf);
    for (let f = 0; f < nf; f++) {
      const col = cols[f]!;
      const m = medianOf(col);
      median[f] = m;
      mad[f] = 1.4826 * medianOf(col.map((v) => Math.abs(v - m)));
    }
    return new DiagnosisBaseline(median, mad, fss.length);
  }

  /** Restore a baseline saved with `toJSON`; rejects one that lacks a quantity diagnosis needs. */
  static fromJSON(j: DiagnosisBaselineJSON): DiagnosisBaseline {
    if (j.version !== 1) throw new Error(`unsupported diagnosis baseline version ${String(j.version)}`);
    const median = new Float64Array(DIAG_FEATURES.length);
    const mad = new Float64Array(DIAG_FEATURES.length);
    DIAG_FEATURES.forEach((name, i) => {
      const m = j.median[name];
      const d = j.mad[name];
      if (typeof m !== 'number' || !Number.isFinite(m) || typeof d !== 'number' || !Number.isFinite(d)) {
        throw new Error(`diagnosis baseline lacks a finite value for ${name}`);
      }
      median[i] = m;
      mad[i] = d;
    });
    return new DiagnosisBaseline(median, mad, j.windows);
  }

  /** Plain JSON, keyed by quantity name so a reordering of DIAG_FEATURES cannot misread it. */
  toJSON(): DiagnosisBaselineJSON {
    const median: Record<string, number> = {};
    const mad: Record<string, number> = {};
    DIAG_FEATURES.forEach((name, i) => {
      median[name] = this.median[i]!;
      mad[name] = this.mad[i]!;
    });
    return { version: 1, windows: this.windows, median, mad };
  }
}

/** Median of a copy of `a` (sorting is fine here: baselines are built once, off the hot path). */
function medianOf(a: Float64Array): number {
  const s = Float64Array.from(a).sort();
  const n = s.length;
  if (n === 0) return 0;
  return n & 1 ? s[n >> 1]! : 0.5 * (s[(n >> 1) - 1]! + s[n >> 1]!);
}
