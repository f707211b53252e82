import { loadManifest, loadRecording } from '../ingest/manifest';
import { commissionOnNormals, normalRecordings, streamRecording, type RigOptions } from './cwruRig';
import type { CwruRecording, Manifest } from '../ingest/manifest';
import { WorkerLearnerHost } from '../learn/WorkerLearnerHost';
import type { AutoencoderPrecision } from '../learn/onnxAutoencoder';
import { PRODUCTION_PRECISION } from '../monitor/commission';
import { modelVersionId } from '../model/modelVersion';

/** One streamed recording in the evaluation report (field names fixed by issue 2). */
export interface CwruRecordingResult {
  file: string;
  label: string;
  streamed_s: number;
  alarm: boolean;
  first_alarm_s: number | null;
  diagnosis: string | null;
  max_score: number;
  /** Alarm activations (normal → alert or danger) during the stream. */
  alarms: number;
  trips: number;
  windows: number;
  evidence: string | null;
}

export interface CwruReport {
  dataset: string;
  method: Record<string, unknown>;
  recordings: CwruRecordingResult[];
  summary: {
    faults: number;
    faults_alarmed: number;
    normal_s: number;
    normal_alarms: number;
    median_first_alarm_s: number | null;
    diagnosis_correct: number;
    diagnosis_by_label: Record<string, { recordings: number; correct: number }>;
  };
  skipped: Array<{ file: string; why: string }>;
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * `vigil evaluate cwru`: commission on the first half of each normal recording, then stream, from
 * that commissioned state, the second half of each normal recording and each fault recording
 * separately, as live frames with the recording's shaft speed. No fault label is used for
 * learning or tuning: labels only grade the result.
 */
export async function evaluateCwru(dir: string, log: (line: string) => void = () => {}, opts: { precision?: AutoencoderPrecision } = {}): Promise<CwruReport> {
  const manifest = await loadManifest(dir);
  if (manifest.kind !== 'cwru') throw new Error(`${dir}/manifest.json is an IMS manifest, not CWRU: use 'vigil evaluate ims'`);
  const { use: normals, skipped } = normalRecordings(manifest);
  if (normals.length === 0) throw new Error(`${dir}/manifest.json lists no normal recording at 12 kHz to commission on`);
  for (const s of skipped) log(`skip ${s.file}: ${s.why}`);
  const learner = new WorkerLearnerHost();
  try {
    return await evaluateWith(dir, manifest, normals, skipped, log, { learner, precision: opts.precision ?? PRODUCTION_PRECISION });
  } finally {
    await learner.dispose();
  }
}

async function evaluateWith(dir: string, manifest: Extract<Manifest, { kind: 'cwru' }>, normals: CwruRecording[], skipped: CwruReport['skipped'], log: (line: string) => void, rig: Required<RigOptions>): Promise<CwruReport> {
  const { model, windows } = await commissionOnNormals(dir, normals, rig);
  log(`commissioned on ${windows} windows from ${normals.map((r) => r.file).join(', ')} (first halves): model ${model.params.featureNames.length} features, threshold ${model.params.threshold.toFixed(3)}`);

  const recordings: CwruRecordingResult[] = [];
  const streams = [...normals.map((r) => ({ r, half: 'second' as const })), ...manifest.recordings.filter((r) => r.fault_type !== 'normal').map((r) => ({ r, half: 'all' as const }))];
  for (const { r, half } of streams) {
    const samples = await loadRecording(dir, r);
    const start = half === 'second' ? Math.floor(samples.length / 2) : 0;
    const out = await streamRecording(samples, r, model, { start, end: samples.length, ...rig });
    const top = out.diagnosis?.evidence[0];
    const res: CwruRecordingResult = {
      file: r.file,
      label: r.fault_type,
      streamed_s: round(out.streamedS, 4),
      alarm: out.firstAlarmS !== null,
      first_alarm_s: out.firstAlarmS === null ? null : round(out.firstAlarmS, 4),
      diagnosis: out.diagnosis?.fault ?? null,
      max_score: round(out.maxScore, 4),
      alarms: out.events.filter((e) => e.type === 'AlarmLevelChanged' && e.from === 'normal').length,
      trips: out.trips,
      windows: out.windows,
      evidence: top ? `${top.feature}${top.freqHz ? ` @ ${top.freqHz.toFixed(1)} Hz` : ''} ×${top.ratio.toFixed(1)} baseline` : null,
    };
    recordings.push(res);
    log(`${res.file.padEnd(36)} ${res.label.padEnd(10)} alarm=${String(res.alarm).padEnd(5)} first=${res.first_alarm_s ?? '-'} s  max=${res.max_score.toFixed(2)}  diag=${res.diagnosis ?? '-'}  ${res.evidence ?? ''}`);
  }

  const faults = recordings.filter((x) => x.label !== 'normal');
  const normalsOut = recordings.filter((x) => x.label === 'normal');
  const byLabel: Record<string, { recordings: number; correct: number }> = {};
  for (const f of faults) {
    const b = (byLabel[f.label] ??= { recordings: 0, correct: 0 });
    b.recordings++;
    if (f.diagnosis === f.label) b.correct++;
  }
  return {
    dataset: manifest.dataset,
    method: {
      commissioning: 'first half of each 12 kHz normal recording, streamed as 512-sample frames',
      window_samples: 4096,
      hop_samples: 512,
      alarm: 'alert level on the calibrated autoencoder score (1.0 = 99.9th percentile of held-out commissioning windows) or ISO velocity 4.5 mm/s, on-delay 1 window',
      commissioning_windows: windows,
      model: `autoencoder ${model.params.encoder.map((l) => l.outputs).join('-')} over ${model.params.featureNames.length} features, ${model.precision} ONNX (version ${modelVersionId(model.onnx)})`,
      threshold_rms: model.params.threshold,
    },
    recordings,
    summary: {
      faults: faults.length,
      faults_alarmed: faults.filter((x) => x.alarm).length,
      normal_s: round(normalsOut.reduce((s, x) => s + x.streamed_s, 0), 4),
      normal_alarms: normalsOut.reduce((n, x) => n + x.alarms, 0),
      median_first_alarm_s: median(faults.flatMap((x) => (x.first_alarm_s === null ? [] : [x.first_alarm_s]))),
      diagnosis_correct: faults.filter((x) => x.diagnosis === x.label).length,
      diagnosis_by_label: byLabel,
    },
    skipped,
  };
}

function round(x: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}
