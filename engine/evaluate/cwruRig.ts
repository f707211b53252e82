import { RecordingActuator } from '../actuate/actuator';
import type { AssetConfig } from '../contract/asset';
import type { EngineEvent } from '../contract/events';
import type { Diagnosis } from '../contract/features';
import { Engine } from '../engine';
import { SKF_6205_CWRU } from '../features/defectMultiples';
import { loadRecording, shaftHzOf, type CwruRecording, type Manifest } from '../ingest/manifest';
import { ReplaySource } from '../ingest/replay';
import type { LearnerApi } from '../learn/LearnerService';
import type { AutoencoderPrecision } from '../learn/onnxAutoencoder';
import type { ModelSource } from '../monitor/commission';
import type { StoreOp } from '../store/storeOps';

/**
 * The CWRU test rig as Vigil sees it: one asset (the 2 hp motor's drive end), one accelerometer at
 * 12 kHz, the SKF 6205 bearing. Shared by `vigil evaluate cwru` and `vigil replay`, so both run the
 * engine exactly as a plant would.
 */
export const CWRU_ASSET_ID = 'cwru-motor-de';
export const CWRU_CHANNEL_ID = 'de_accel';
export const CWRU_RATE_HZ = 12_000;
/** Samples per live frame: 512 at 12 kHz is one frame every 43 ms, like a DAQ block. */
export const CWRU_FRAME_SAMPLES = 512;
const WINDOW = 4096;
const HOP = 512;
/** Epoch of every stream: recordings carry no wall time, so each starts at a fixed instant. */
export const CWRU_EPOCH_MS = Date.UTC(2026, 0, 1);

/** Windows that fit in `samples` contiguous samples. */
export function windowsIn(samples: number): number {
  return samples < WINDOW ? 0 : Math.floor((samples - WINDOW) / HOP) + 1;
}

export function cwruAsset(commissioningWindows: number): AssetConfig {
  return {
    assetId: CWRU_ASSET_ID,
    name: 'CWRU 2 hp motor, drive end',
    bearing: SKF_6205_CWRU,
    nominalShaftHz: 1797 / 60,
    channels: [{ channelId: CWRU_CHANNEL_ID, sampleRateHz: CWRU_RATE_HZ, windowSize: WINDOW, hopSize: HOP, maxFrameSamples: 16_384 }],
    setpoints: {
      score: { alert: 1, danger: 3, onDelayWindows: 1 },
      // ISO 20816-1 zone boundaries for a small machine (class I): C/D at 4.5 mm/s, danger above 7.1.
      velocityMmS: { alert: 4.5, danger: 7.1, onDelayWindows: 1 },
    },
    commissioningWindows: Math.max(8, commissioningWindows),
  };
}

/** The manifest's normal recordings that can feed the 12 kHz channel, and those skipped with why. */
export function normalRecordings(manifest: Extract<Manifest, { kind: 'cwru' }>): { use: CwruRecording[]; skipped: Array<{ file: string; why: string }> } {
  const use: CwruRecording[] = [];
  const skipped: Array<{ file: string; why: string }> = [];
  for (const r of manifest.recordings) {
    if (r.fault_type !== 'normal') continue;
    if (r.sampling_rate_hz !== CWRU_RATE_HZ) skipped.push({ file: r.file, why: `sampled at ${r.sampling_rate_hz} Hz, the channel runs at ${CWRU_RATE_HZ} Hz (its 12 kHz resampling is listed separately)` });
    else use.push(r);
  }
  return { use, skipped };
}

/**
 * Commissions the rig on the first half of each normal recording, streamed as live frames, and
 * returns the learned model so each evaluation stream can start from the same commissioned state.
 */
export async function commissionOnNormals(dir: string, normals: CwruRecording[], rig: RigOptions = {}): Promise<{ model: ModelSource; windows: number }> {
  const halves = await Promise.all(normals.map(async (r) => ({ r, samples: await loadRecording(dir, r) })));
  const windows = halves.reduce((n, h) => n + windowsIn(Math.floor(h.samples.length / 2)), 0);
  if (windows < 8) throw new Error(`the normal recordings give ${windows} commissioning windows; at least 8 are needed`);
  const engine = await Engine.create({ assets: [cwruAsset(windows)], clock: () => CWRU_EPOCH_MS, actuator: new RecordingActuator(() => CWRU_EPOCH_MS), learner: rig.learner, modelPrecision: rig.precision });
  try {
    let epoch = CWRU_EPOCH_MS;
    for (const { r, samples } of halves) {
      const src = new ReplaySource({ assetId: CWRU_ASSET_ID, channelId: CWRU_CHANNEL_ID, samples, sampleRateHz: r.sampling_rate_hz, frameSamples: CWRU_FRAME_SAMPLES, epochMs: epoch, shaftHz: shaftHzOf(r), endSample: Math.floor(samples.length / 2) });
      for (const f of src.frames()) await engine.push(f);
      // Separate recordings are separate stretches of time: leave a gap so no window spans two.
      epoch += (samples.length / r.sampling_rate_hz) * 1000 + 60_000;
    }
    await engine.settle();
    const model = engine.monitor(CWRU_ASSET_ID)?.model(CWRU_CHANNEL_ID);
    if (!model) throw new Error(`commissioning did not complete: ${windows} windows expected, engine errors: ${String(engine.lastError)}`);
    return { model, windows };
  } finally {
    await engine.dispose();
  }
}

/**
 * Shared settings of an evaluation's engines: one learner thread for all streams (they run one
 * after another), and the production precision (int8 normally; fp32 to compare detection results).
 */
export interface RigOptions {
  learner?: LearnerApi;
  precision?: AutoencoderPrecision;
}

/** What one stream of a recording did, from the commissioned state. */
export interface StreamOutcome {
  streamedS: number;
  firstAlarmS: number | null;
  diagnosis: Diagnosis | null;
  maxScore: number;
  trips: number;
  windows: number;
  events: EngineEvent[];
}

/** Streams samples [start, end) of a recording through a fresh engine holding `model`. */
export async function streamRecording(
  samples: Float32Array,
  r: CwruRecording,
  model: ModelSource,
  range: { start: number; end: number },
  opts: { store?: (op: StoreOp) => void; onEvent?: (e: EngineEvent) => void; pace?: 'fast' | 'realtime' } & RigOptions = {},
): Promise<StreamOutcome> {
  const actuator = new RecordingActuator(() => Date.now());
  const engine = await Engine.create({ assets: [cwruAsset(8)], clock: () => Date.now(), actuator, store: opts.store, sourceLabel: `replay ${r.file}`, learner: opts.learner, modelPrecision: opts.precision });
  const events: EngineEvent[] = [];
  engine.on((e) => {
    if (e.type !== 'ScoreComputed') events.push(e);
    opts.onEvent?.(e);
  });
  let maxScore = Number.NEGATIVE_INFINITY;
  let windows = 0;
  let diagnosis: Diagnosis | null = null;
  engine.on((e) => {
    if (e.type === 'ScoreComputed') {
      windows++;
      if (e.score > maxScore) maxScore = e.score;
    }
  });
  try {
    // Announce the model only where it is stored, so every incident can be traced to its bytes.
    await engine.installModel(CWRU_ASSET_ID, CWRU_CHANNEL_ID, model, opts.store !== undefined);
    const monitor = engine.monitor(CWRU_ASSET_ID)!;
    const src = new ReplaySource({ assetId: CWRU_ASSET_ID, channelId: CWRU_CHANNEL_ID, samples, sampleRateHz: r.sampling_rate_hz, frameSamples: CWRU_FRAME_SAMPLES, epochMs: CWRU_EPOCH_MS, shaftHz: shaftHzOf(r), startSample: range.start, endSample: range.end });
    if (opts.pace === 'realtime') {
      await src.run((f) => {
        engine.accept(f);
        if (monitor.live.diagnosis) diagnosis = monitor.live.diagnosis;
      }, { pace: 'realtime', clock: () => Date.now() });
    } else {
      for (const f of src.frames()) {
        await engine.push(f);
        if (monitor.live.diagnosis) diagnosis = monitor.live.diagnosis;
      }
    }
    await engine.settle();
    if (monitor.live.diagnosis) diagnosis = monitor.live.diagnosis;
    if (engine.errorCount > 0) throw new Error(`engine failed while streaming ${r.file}: ${String(engine.lastError)}`);
    const streamStartMs = CWRU_EPOCH_MS + (range.start * 1000) / r.sampling_rate_hz;
    const first = events.find((e) => e.type === 'AlarmLevelChanged' && e.to !== 'normal');
    const periodMs = 1000 / r.sampling_rate_hz;
    return {
      streamedS: (range.end - range.start) / r.sampling_rate_hz,
      firstAlarmS: first && first.type === 'AlarmLevelChanged' ? (first.atMs + periodMs - streamStartMs) / 1000 : null,
      diagnosis,
      maxScore,
      trips: actuator.trips().length,
      windows,
      events,
    };
  } finally {
    await engine.dispose();
  }
}
