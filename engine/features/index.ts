/** Feature extraction: DSP on typed arrays and the in-memory feature cache. */
export { initDsp, RealFft, ComplexFft } from './fft';
export { defectMultiples, SKF_6205_CWRU, type DefectMultiples } from './defectMultiples';
export { timeStats, emptyTimeStats, type TimeStats } from './timeStats';
export { AmplitudeSpectrum, G_M_S2 } from './AmplitudeSpectrum';
export { EnvelopeAnalyzer, defaultEnvelopeOptions, type EnvelopeOptions } from './EnvelopeAnalyzer';
export { BandSelector } from './BandSelector';
export { FeatureExtractor, type FeatureExtractorConfig } from './FeatureExtractor';
export { FEATURE_NAMES, toModelVector, type FeatureName } from './modelVector';
export { FeatureCache } from './FeatureCache';
export { hannWindow, tukeyWindow } from './windows';
