/** Fault diagnosis from features: which bearing defect or shaft fault is behind an anomaly. */
export { DiagnosisBaseline, type DiagnosisBaselineJSON } from './DiagnosisBaseline';
export { diagnose, diagnoseMany, DEFAULT_DIAGNOSE_OPTIONS, type DiagnoseOptions } from './diagnose';
export { DIAG_FEATURES, relativeFeatures, type DiagFeature } from './relativeFeatures';
