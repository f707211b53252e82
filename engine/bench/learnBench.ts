import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { cwruAsset } from '../evaluate/cwruRig';
import { FeatureExtractor } from '../features/FeatureExtractor';
import { initDsp } from '../features/fft';
import { FEATURE_NAMES, toModelVector } from '../features/modelVector';
import { loadManifest, loadRecording, shaftHzOf, type CwruRecording } from '../ingest/manifest';
import { benchAutoencoderPrecision } from '../learn/modelBench';
import { WorkerLearnerHost } from '../learn/WorkerLearnerHost';
import { buildModelSource, loadModel, type CommissionedModel } from '../monitor/commission';
import { percentile, round } from './stats';

type Metrics = Record<string, number>;
const WINDOW = 4096;
const HOP = 512;

/** Feature vectors of samples [start, end) of a 12 kHz recording, as the engine computes them. */
function vectorsOf(samples: Float32Array, r: CwruRecording, start: number, end: number): Float32Array[] {
  const ex = new FeatureExtractor({ assetId: 'bench', channelId: 'de', sampleRateHz: r.sampling_rate_hz, windowSize: WINDOW, bearing: cwruAsset(8).bearing });
  const out: Float32Array[] = [];
  for (let s = start; s + WINDOW <= end; s += HOP) out.push(toModelVector(ex.extract(samples.subarray(s, s + WINDOW), s, shaftHzOf(r))));
  ex.dispose();
  return out;
}

/** Detection results of a model: faults alarmed (two consecutive windows ≥ 1.0, the rig's on-delay) and normal windows ≥ 1.0. */
async function detections(model: CommissionedModel, faults: Float32Array[][], normal: Float32Array[]): Promise<{ faultsAlarmed: number; normalAlarmWindows: number }> {
  let faultsAlarmed = 0;
  for (const f of faults) {
    let run = 0;
    let alarmed = false;
    for (const v of f) {
      run = (await model.scorer.score(v)) >= 1 ? run + 1 : 0;
      if (run >= 2) alarmed = true;
    }
    if (alarmed) faultsAlarmed++;
  }
  let normalAlarmWindows = 0;
  for (const v of normal) if ((await model.scorer.score(v)) >= 1) normalAlarmWindows++;
  return { faultsAlarmed, normalAlarmWindows };
}

/**
 * Learning and precision figures on the CWRU rig (skipped, with the reason, without the data).
 *
 * - model.*: the commissioned autoencoder as fp32 and int8 ONNX: bytes, latency at batch 1 and 64.
 * - learn.incremental_ms: one new normal window → the shadow (learner thread) learns it → snapshot →
 *   int8 build → runtime load → validation on held-out windows → first score by the new version.
 * - learn.full_retrain_ms: the same data trained from scratch (calibration folds included) → build →
 *   load → first score. Both final models are then run on every fault recording and on normal
 *   windows neither saw, so their detection results can be compared.
 */
export async function learningBench(m: Metrics, log: (l: string) => void): Promise<void> {
  const dir = resolve(process.env.VIGIL_DATA ?? '../shared/data', 'cwru');
  if (!existsSync(resolve(dir, 'manifest.json'))) {
    log(`model and learning phases skipped: no CWRU data at ${dir} (set VIGIL_DATA)`);
    return;
  }
  await initDsp();
  const manifest = await loadManifest(dir);
  if (manifest.kind !== 'cwru') return;
  const normalRec = manifest.recordings.find((r) => r.fault_type === 'normal' && r.sampling_rate_hz === 12_000);
  if (!normalRec) return;
  const normalSamples = await loadRecording(dir, normalRec);
  const half = Math.floor(normalSamples.length / 2);
  const commissioning = vectorsOf(normalSamples, normalRec, 0, half);
  const later = vectorsOf(normalSamples, normalRec, half, normalSamples.length);
  const learnOn = later.slice(0, Math.floor(later.length / 2));
  const heldOut = later.slice(learnOn.length);
  const faults: Float32Array[][] = [];
  for (const r of manifest.recordings.filter((x) => x.fault_type !== 'normal')) {
    const s = await loadRecording(dir, r);
    faults.push(vectorsOf(s, r, 0, s.length));
  }
  const host = new WorkerLearnerHost();
  const extras = { baseline: null, levelMedian: null, windows: commissioning.length, parent: null, regime: null };
  try {
    const commissioned = await host.fit('bench/shadow', commissioning, FEATURE_NAMES, 1);
    const base = buildModelSource(commissioned.params, extras);
    const precision = await benchAutoencoderPrecision(base.params, [...commissioning, ...later, ...faults.flat()], { iterations: 2000 });
    m['model.fp32_bytes'] = precision.fp32Bytes;
    m['model.int8_bytes'] = precision.int8Bytes;
    m['model.int8_size_ratio'] = round(precision.fp32Bytes / precision.int8Bytes, 2);
    m['model.fp32_us.batch1.p50'] = round(precision.fp32Us.batch1.p50);
    m['model.fp32_us.batch1.p99'] = round(precision.fp32Us.batch1.p99);
    m['model.int8_us.batch1.p50'] = round(precision.int8Us.batch1.p50);
    m['model.int8_us.batch1.p99'] = round(precision.int8Us.batch1.p99);
    m['model.fp32_us.batch64.p50'] = round(precision.fp32Us.batch64.p50);
    m['model.fp32_us.batch64.p99'] = round(precision.fp32Us.batch64.p99);
    m['model.int8_us.batch64.p50'] = round(precision.int8Us.batch64.p50);
    m['model.int8_us.batch64.p99'] = round(precision.int8Us.batch64.p99);
    m['model.int8_vs_fp32_max_rel_score_diff'] = precision.maxRelScoreDiff;
    log(`model: fp32 ${precision.fp32Bytes} B, int8 ${precision.int8Bytes} B; batch 1 p99 fp32 ${precision.fp32Us.batch1.p99.toFixed(0)} µs, int8 ${precision.int8Us.batch1.p99.toFixed(0)} µs`);

    // Incremental: each new window learned, promoted and scoring, one after another.
    const incrementalMs: number[] = [];
    let current = await loadModel(base);
    const heldOutPacked = new Float32Array(heldOut.length * FEATURE_NAMES.length);
    heldOut.forEach((v, i) => heldOutPacked.set(v, i * FEATURE_NAMES.length));
    for (const v of learnOn) {
      const t0 = performance.now();
      host.learn('bench/shadow', [v]);
      const snap = await host.snapshot('bench/shadow');
      const candidate = await loadModel(buildModelSource(snap.params, { ...extras, parent: current.version }));
      await candidate.scorer.scoreBatch(heldOutPacked, heldOut.length);
      await candidate.scorer.score(v);
      incrementalMs.push(performance.now() - t0);
      await current.scorer.dispose();
      current = candidate;
    }
    // Full retrain on the same data, from scratch.
    const t0 = performance.now();
    const full = await host.fit('bench/full', [...commissioning, ...learnOn], FEATURE_NAMES, 1);
    const retrained = await loadModel(buildModelSource(full.params, extras));
    await retrained.scorer.score(learnOn[learnOn.length - 1]!);
    const fullMs = performance.now() - t0;
    const inc = await detections(current, faults, heldOut);
    const ret = await detections(retrained, faults, heldOut);
    await current.scorer.dispose();
    await retrained.scorer.dispose();
    m['learn.incremental_ms'] = round(percentile(incrementalMs, 50), 2);
    m['learn.incremental_ms.p99'] = round(percentile(incrementalMs, 99), 2);
    m['learn.full_retrain_ms'] = round(fullMs);
    m['learn.speedup'] = round(fullMs / percentile(incrementalMs, 50));
    m['learn.incremental.faults_alarmed'] = inc.faultsAlarmed;
    m['learn.full_retrain.faults_alarmed'] = ret.faultsAlarmed;
    m['learn.faults'] = faults.length;
    m['learn.incremental.normal_alarm_windows'] = inc.normalAlarmWindows;
    m['learn.full_retrain.normal_alarm_windows'] = ret.normalAlarmWindows;
    m['learn.normal_windows'] = heldOut.length;
    log(`learning: ${learnOn.length} incremental updates (learn → promote → scoring) p50 ${percentile(incrementalMs, 50).toFixed(1)} ms vs full retrain ${fullMs.toFixed(0)} ms; faults alarmed ${inc.faultsAlarmed}/${faults.length} vs ${ret.faultsAlarmed}/${faults.length}; normal windows ≥ alert ${inc.normalAlarmWindows}/${heldOut.length} vs ${ret.normalAlarmWindows}/${heldOut.length}`);
  } finally {
    await host.dispose();
  }
}
