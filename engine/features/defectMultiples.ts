import type { Bearing } from '../contract/asset';

/** Bearing defect frequencies as multiples of shaft speed (inner race rotating, outer race fixed). */
export interface DefectMultiples {
  /** Ball pass frequency, outer race: impacts per shaft revolution on an outer-race spall. */
  bpfo: number;
  /** Ball pass frequency, inner race. */
  bpfi: number;
  /**
   * Ball defect frequency in CWRU's convention: TWICE the ball spin frequency, because a spall on a
   * ball strikes the inner and the outer race once each per spin revolution. The classical BSF is half.
   */
  bsf: number;
  /** Fundamental train (cage) frequency. */
  ftf: number;
}

/**
 * Defect multiples from geometry, or the maker's published values when `b.multiples` is given.
 *
 * Why the maker's values win: published multiples already fold in the true contact angle under
 * load, which nominal geometry does not know. From geometry, with r = (d/D)·cos θ and n elements:
 * BPFO = (n/2)(1 − r), BPFI = (n/2)(1 + r), FTF = ½(1 − r), BSF = (D/d)(1 − r²) (twice spin, as CWRU).
 */
export function defectMultiples(b: Bearing): DefectMultiples {
  if (b.multiples) return { ...b.multiples };
  const r = (b.rollerDiameterMm / b.pitchDiameterMm) * Math.cos((b.contactAngleDeg * Math.PI) / 180);
  const n = b.rollingElements;
  return {
    bpfo: (n / 2) * (1 - r),
    bpfi: (n / 2) * (1 + r),
    bsf: (b.pitchDiameterMm / b.rollerDiameterMm) * (1 - r * r),
    ftf: 0.5 * (1 - r),
  };
}

/**
 * SKF 6205-2RS JEM, the CWRU drive-end bearing, with CWRU's published multiples. Kept here because
 * the replay source, the tests and the demo all describe the same rig and must not drift apart.
 */
export const SKF_6205_CWRU: Bearing = {
  name: 'SKF 6205-2RS JEM (CWRU drive end)',
  rollingElements: 9,
  rollerDiameterMm: 7.94,
  pitchDiameterMm: 39.04,
  contactAngleDeg: 0,
  multiples: { bpfi: 5.4152, bpfo: 3.5848, ftf: 0.39828, bsf: 4.7135 },
};
