import type { Bearing } from '../contract';

/** Bearing defect frequencies as multiples of shaft speed (inner race rotating, outer race fixed). */
export interface DefectMultiples {
  bpfo: number;
  bpfi: number;
  /**
   * Ball defect impact rate: TWICE the ball spin frequency, because a spall on a rolling element
   * strikes both races once per spin revolution. This is the CWRU convention (4.7135 for the
   * 6205), so simulated and recorded data use the same meaning of `bsf`.
   */
  bsf: number;
  ftf: number;
}

/**
 * Defect multiples from the geometry, or the maker's published values when given.
 * With r = (d/D)·cos α: BPFO = n/2·(1 − r), BPFI = n/2·(1 + r), FTF = ½(1 − r),
 * BSF (impact rate) = (D/d)·(1 − r²).
 */
export function defectMultiples(bearing: Bearing): DefectMultiples {
  if (bearing.multiples) return { ...bearing.multiples };
  const n = bearing.rollingElements;
  const r = (bearing.rollerDiameterMm / bearing.pitchDiameterMm) * Math.cos((bearing.contactAngleDeg * Math.PI) / 180);
  return {
    bpfo: (n / 2) * (1 - r),
    bpfi: (n / 2) * (1 + r),
    bsf: (bearing.pitchDiameterMm / bearing.rollerDiameterMm) * (1 - r * r),
    ftf: 0.5 * (1 - r),
  };
}
