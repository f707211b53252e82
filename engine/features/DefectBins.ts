import type { DefectMultiples } from './defectMultiples';

/** Order of defects in `DefectBins`: matches the EnvelopeFeatures fields. */
export const DEFECTS = ['bpfo', 'bpfi', 'bsf', 'ftf'] as const;

/**
 * Where to look in the envelope spectrum for each bearing defect at the current shaft speed:
 * one bin range per (defect, harmonic), plus the searched range for the noise floor.
 *
 * Pre-fetched: ranges are computed when the shaft speed (or bearing) changes, not on every hop.
 * Harmonic windows of two different defects that overlap are dropped from both sums, because a line
 * there cannot say which defect made it. On the 6205, 3×BPFO (10.75×) and 2×BPFI (10.83×) are 0.7 %
 * apart, less than a bin at 4096 points and 12 kHz, and would otherwise leak each fault into the other.
 */
export class DefectBins {
  /** Scratch for the floor median: the searched range is copied here, then partially sorted. */
  readonly scratch: Float64Array;
  private readonly lo: Int32Array;
  private readonly hi: Int32Array;
  private readonly active: Uint8Array;
  private floorLo = 2;
  private floorHi = 2;
  private lastShaftHz = Number.NaN;
  private readonly lastMult = new Float64Array(4);

  /**
   * @param binHz envelope spectrum bin spacing
   * @param nBins number of envelope spectrum bins
   * @param harmonics harmonics per defect
   * @param tolRel relative search tolerance (slip)
   */
  constructor(
    readonly binHz: number,
    readonly nBins: number,
    readonly harmonics: number,
    readonly tolRel: number,
  ) {
    const n = DEFECTS.length * harmonics;
    this.lo = new Int32Array(n);
    this.hi = new Int32Array(n);
    this.active = new Uint8Array(n);
    this.scratch = new Float64Array(nBins);
  }

  /** Recompute the ranges if the shaft speed or the multiples changed since the last call. */
  update(mult: DefectMultiples, shaftHz: number): void {
    const m = this.lastMult;
    if (shaftHz === this.lastShaftHz && m[0] === mult.bpfo && m[1] === mult.bpfi && m[2] === mult.bsf && m[3] === mult.ftf) return;
    this.lastShaftHz = shaftHz;
    m[0] = mult.bpfo;
    m[1] = mult.bpfi;
    m[2] = mult.bsf;
    m[3] = mult.ftf;
    const H = this.harmonics;
    const maxBin = this.nBins - 2;
    for (let d = 0; d < 4; d++) {
      for (let h = 1; h <= H; h++) {
        const i = d * H + h - 1;
        const c = (h * m[d]! * shaftHz) / this.binHz;
        const r = Math.round(c);
        this.lo[i] = Math.max(2, Math.min(r - 1, Math.floor(c * (1 - this.tolRel))));
        this.hi[i] = Math.min(maxBin, Math.max(r + 1, Math.ceil(c * (1 + this.tolRel))));
        this.active[i] = this.lo[i]! <= this.hi[i]! ? 1 : 0;
      }
    }
    const n = 4 * H;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        if (Math.floor(i / H) === Math.floor(j / H)) continue;
        if (this.lo[i]! <= this.hi[j]! && this.lo[j]! <= this.hi[i]!) {
          this.active[i] = 0;
          this.active[j] = 0;
        }
      }
    }
    let lo = maxBin;
    let hi = 2;
    for (let i = 0; i < n; i++) {
      if (this.lo[i]! < lo) lo = this.lo[i]!;
      if (this.hi[i]! > hi) hi = this.hi[i]!;
    }
    this.floorLo = Math.min(lo, hi);
    this.floorHi = hi;
  }

  /**
   * Amplitude of defect `d` (index into DEFECTS): the sum over its active harmonics of the largest
   * envelope amplitude within each harmonic's tolerance window. The max absorbs slip; the sum adds
   * the evidence of harmonics, which impact trains always have.
   */
  amplitude(d: number, envAmp: ArrayLike<number>): number {
    let sum = 0;
    for (let h = 0; h < this.harmonics; h++) {
      const i = d * this.harmonics + h;
      if (!this.active[i]) continue;
      let best = 0;
      for (let k = this.lo[i]!; k <= this.hi[i]!; k++) if (envAmp[k]! > best) best = envAmp[k]!;
      sum += best;
    }
    return sum;
  }

  /** Centre frequency (Hz) of defect d's harmonic h (1-based) at the cached speed. */
  freqHz(d: number, h = 1): number {
    return h * this.lastMult[d]! * this.lastShaftHz;
  }

  /** Copy the searched range of `envAmp` into `scratch` and return how many values were copied. */
  copyFloorRange(envAmp: ArrayLike<number>): number {
    let n = 0;
    for (let k = this.floorLo; k <= this.floorHi; k++) this.scratch[n++] = envAmp[k]!;
    return n;
  }
}
