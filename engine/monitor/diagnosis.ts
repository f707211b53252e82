import type { Bearing } from '../contract/asset';
import type { Diagnosis, FeatureSet } from '../contract/features';
import type { DiagnosisBaseline } from '../diagnose/DiagnosisBaseline';
import { diagnoseMany } from '../diagnose/diagnose';
import { defectMultiples } from '../features/defectMultiples';

/**
 * The monitor's view of diagnosis: average the recent windows' evidence against the commissioning
 * baseline and name the fault. Averaging steadies envelope lines that jump from window to window.
 */
export function diagnoseFeatureSets(recent: readonly FeatureSet[], baseline: DiagnosisBaseline, bearing: Bearing): Diagnosis {
  return diagnoseMany(recent, baseline, defectMultiples(bearing), recent.length);
}
