/**
 * Public surface of ingest: sources (replay, simulator), the bounded frame bus, validation,
 * per-channel rings and windows, and channel quality. Other engine modules import from here so
 * the internal file layout can change without touching them.
 */
export { RingBuffer } from './ringBuffer';
export { validateFrame, firstNonFinite, DEFAULT_TIMING } from './validateFrame';
export type { ChannelView, ChannelLookup, TimingTolerance, Verdict, Accepted, Rejected } from './validateFrame';
export { ChannelQuality, DEFAULT_QUALITY_RULES, windowStd } from './channelQuality';
export type { QualityRules, QualityTransition } from './channelQuality';
export { Ingest } from './ingest';
export type { Hop, AcceptResult, IngestCounters, ChannelCounters, ReasonCounts, IngestOptions } from './ingest';
export { FrameBus } from './frameBus';
export type { FrameBusOptions, FrameBusStats, ChannelDrops } from './frameBus';
export { loadManifest, loadRecording, findEntry, isWaveform, expectedValues, shaftHzOf, toFloat32, RecordingError } from './manifest';
export { CwruRecordingSchema, ImsTrajectorySchema, CwruManifestSchema, ImsManifestSchema } from './manifest';
export type { Manifest, ManifestEntry, CwruRecording, ImsTrajectory, RecordingProblem } from './manifest';
export { ReplaySource } from './replay';
export type { ReplayOptions, ReplayRunOptions, ReplayResult } from './replay';
export { MachineSimulator, severityAt, peakGFromVelocity } from './simulator';
export type { MachineSpec, FaultEvent, SimFaultKind, SpeedProfile } from './simulator';
export { DemoPlant } from './demoPlant';
export type { DemoPlantOptions } from './demoPlant';
export { DEMO_MACHINES, DEMO_CHANNEL_ID, DEMO_SAMPLE_RATE_HZ, defaultFaultSchedule, demoAssetConfig } from './demoMachines';
export { PlantDriver } from './plantDriver';
export type { PlantDriverOptions } from './plantDriver';
export { nodeScheduler } from './scheduling';
export type { Clock, Scheduler, Scheduled, Disposable } from './scheduling';
export { Rng, hashSeed } from './rng';
