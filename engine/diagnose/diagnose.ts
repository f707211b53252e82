import type { Diagnosis, Evidence, FaultKind, FeatureSet } from '../contract/features';
import type { DefectMultiples } from '../features/defectMultiples';
import type { DiagnosisBaseline } from './DiagnosisBaseline';
import { DIAG_FEATURES, DIAG_INDEX, relativeFeatures } from './relativeFeatures';

/** Decision thresholds, as ratios to the commissioning median. */
export interface DiagnoseOptions {
  /** A defect line (relative to floor) counts as elevated at this many times its baseline. */
  bearingRatio: number;
  /** …and at this many baseline MADs above the median, so a noisy baseline needs more. */
  bearingMadZ: number;
  /** A shaft order counts as elevated at this many times its baseline (and bearingMadZ MADs above it). */
  orderRatio: number;
  /** With FTF elevated, BSF at this ratio or more turns "cage" into "ball" (a ball defect is modulated at cage rate). */
  ballWithCageRatio: number;
}

/** Defaults chosen on the CWRU shared set (see test/engine/diagnose/cwru.int.test.ts for the measured table). */
export const DEFAULT_DIAGNOSE_OPTIONS: Readonly<DiagnoseOptions> = {
  bearingRatio: 1.8,
  bearingMadZ: 3,
  orderRatio: 1.8,
  ballWithCageRatio: 1.3,
};

const BEARING: readonly { fault: FaultKind; index: number; mult: keyof DefectMultiples }[] = [
  { fault: 'outer_race', index: DIAG_INDEX.env_bpfo_rel, mult: 'bpfo' },
  { fault: 'inner_race', index: DIAG_INDEX.env_bpfi_rel, mult: 'bpfi' },
  { fault: 'ball', index: DIAG_INDEX.env_bsf_rel, mult: 'bsf' },
  { fault: 'cage', index: DIAG_INDEX.env_ftf_rel, mult: 'ftf' },
];

/**
 * Name the likely fault behind one window's features: which bearing defect line (or shaft order)
 * stands out most above its commissioning baseline. Called when the anomaly score rises, so that an
 * alarm says "outer race, BPFO 6× baseline" rather than only "anomalous".
 */
export function diagnose(fs: FeatureSet, baseline: DiagnosisBaseline, multiples: DefectMultiples, opts: DiagnoseOptions = DEFAULT_DIAGNOSE_OPTIONS): Diagnosis {
  return decide(relativeFeatures(fs), fs.shaftHz, baseline, multiples, opts);
}

/**
 * Diagnose over the last `lastN` windows by averaging their diagnostic quantities first. Envelope
 * lines fluctuate from window to window (slip, the kurtogram's band choice); averaging 8 windows
 * roughly halves that spread, so the engine calls this once the score has stayed high for a while.
 */
export function diagnoseMany(
  fss: readonly FeatureSet[],
  baseline: DiagnosisBaseline,
  multiples: DefectMultiples,
  lastN = 8,
  opts: DiagnoseOptions = DEFAULT_DIAGNOSE_OPTIONS,
): Diagnosis {
  const use = fss.slice(Math.max(0, fss.length - lastN));
  if (use.length === 0) return { fault: 'unknown', confidence: 0, evidence: [] };
  const sum = new Float64Array(DIAG_FEATURES.length);
  const row = new Float64Array(DIAG_FEATURES.length);
  let shaftHz = 0;
  for (const fs of use) {
    relativeFeatures(fs, row);
    for (let i = 0; i < row.length; i++) sum[i]! += row[i]!;
    shaftHz += fs.shaftHz;
  }
  for (let i = 0; i < sum.length; i++) sum[i]! /= use.length;
  return decide(sum, shaftHz / use.length, baseline, multiples, opts);
}

/** Robust deviation (in MADs) of a shaft order that names imbalance/misalignment even below orderRatio. */
const STRONG_ORDER_SHIFT_MADS = 8;

function decide(v: Float64Array, shaftHz: number, baseline: DiagnosisBaseline, mult: DefectMultiples, opts: DiagnoseOptions): Diagnosis {
  const ratio = (i: number): number => v[i]! / Math.max(baseline.median[i]!, 1e-12);
  const freqOf = (i: number): number | null => {
    const b = BEARING.find((c) => c.index === i);
    if (b) return mult[b.mult] * shaftHz;
    if (i === DIAG_INDEX.order1_g) return shaftHz;
    if (i === DIAG_INDEX.order2_g) return 2 * shaftHz;
    if (i === DIAG_INDEX.order3_g) return 3 * shaftHz;
    return null;
  };
  const evidence: Evidence[] = DIAG_FEATURES.map((feature, i) => ({
    feature,
    freqHz: freqOf(i),
    value: v[i]!,
    baseline: baseline.median[i]!,
    ratio: ratio(i),
  }))
    .filter((e) => Number.isFinite(e.ratio))
    .sort((a, b) => b.ratio - a.ratio);

  const elevated = (i: number): boolean =>
    ratio(i) >= opts.bearingRatio && v[i]! >= baseline.median[i]! + opts.bearingMadZ * baseline.mad[i]!;
  const bearing = BEARING.map((c) => ({ ...c, r: ratio(c.index), up: elevated(c.index) })).sort((a, b) => b.r - a.r);
  const top = bearing[0]!;
  if (top.up) {
    let fault = top.fault;
    // A ball defect passes through the load zone once per cage revolution: its strongest envelope
    // line is often at FTF, with the BSF line itself weaker. FTF alone (no BSF) stays "cage".
    if (fault === 'cage' && ratio(DIAG_INDEX.env_bsf_rel) >= opts.ballWithCageRatio) fault = 'ball';
    const runnerUp = Math.max(1, bearing[1]!.r);
    return { fault, confidence: confidenceOf(top.r, runnerUp, opts.bearingRatio), evidence: pick(evidence, top.index) };
  }
  // A shaft order that grew by orderRatio, or a 1x that changed by it either way: a new unbalance adds
  // to the residual one as a vector, so depending on phase the 1x amplitude first falls, then rises
  // (API 670 watches the 1x vector, not only its growth). A 1x fall is a change of balance state too.
  const change = (i: number): number => (i === DIAG_INDEX.order1_g ? Math.max(ratio(i), 1 / Math.max(ratio(i), 1e-12)) : ratio(i));
  const orders = [DIAG_INDEX.order1_g, DIAG_INDEX.order2_g, DIAG_INDEX.order3_g].map((i) => ({ i, r: change(i) })).sort((a, b) => b.r - a.r);
  const o = orders[0]!;
  const signed = v[o.i]! - baseline.median[o.i]!;
  // Only the 1x may count falling (the vector argument above); 2x and 3x count when they grow.
  const orderShift = (o.i === DIAG_INDEX.order1_g ? Math.abs(signed) : signed) / Math.max(baseline.mad[o.i]!, 1e-12);
  // A very steady 1x (a fan, a coupled motor) shows a balance change as a large shift in MADs before it doubles.
  if (orderShift >= opts.bearingMadZ && (o.r >= opts.orderRatio || orderShift >= STRONG_ORDER_SHIFT_MADS)) {
    return { fault: 'imbalance_misalignment', confidence: confidenceOf(o.r, Math.max(1, top.r), opts.orderRatio), evidence: pick(evidence, o.i) };
  }
  return { fault: 'unknown', confidence: 0, evidence: evidence.filter((e) => e.ratio > 1).slice(0, 6) };
}

/**
 * 0..1: how far the winner stands above the runner-up (separation) times how far above the
 * threshold it is (strength, 0.5 at the threshold, 1 at its square).
 */
function confidenceOf(winner: number, runnerUp: number, threshold: number): number {
  const separation = 1 - runnerUp / winner;
  const strength = Math.min(1, Math.log(winner) / Math.log(threshold * threshold));
  return Math.max(0, Math.min(1, separation * strength));
}

/** Evidence strongest first, with the deciding quantity guaranteed at the front, capped at 6 items. */
function pick(evidence: Evidence[], decidingIndex: number): Evidence[] {
  const name = DIAG_FEATURES[decidingIndex]!;
  const lead = evidence.filter((e) => e.feature === name);
  const rest = evidence.filter((e) => e.feature !== name && e.ratio > 1);
  return [...lead, ...rest].slice(0, 6);
}
