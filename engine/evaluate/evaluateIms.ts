import type { LearnerApi } from '../learn/LearnerService';
import { WorkerLearnerHost } from '../learn/WorkerLearnerHost';
import type { AutoencoderPrecision } from '../learn/onnxAutoencoder';
import { PRODUCTION_PRECISION } from '../monitor/commission';
import { RecordingActuator } from '../actuate/actuator';
import type { AssetConfig, Bearing } from '../contract/asset';
import type { Quality } from '../contract/frame';
import { Engine } from '../engine';
import { loadManifest, loadRecording, type ImsTrajectory } from '../ingest/manifest';

/** Rexnord ZA-2115 (IMS rig), from shared/data/README.md. */
const ZA_2115: Bearing = { name: 'Rexnord ZA-2115', rollingElements: 16, rollerDiameterMm: 0.331 * 25.4, pitchDiameterMm: 2.815 * 25.4, contactAngleDeg: 15.17 };
/**
 * Which per-snapshot features the model learns. An ICP accelerometer is AC-coupled: the bearing's
 * vibration has no DC, so any DC in a snapshot is the acquisition's offset. Test 1's offset jumps
 * when the test restarts after its six-day pause (row 157: mean |x| +12σ while std moves 2σ), so
 * features that include DC (mean |x|, rms, max, clearance, shape, impulse, crest) would measure the
 * DAQ, not the bearing. Where DC-free features exist they are used; test 3 offers only mean |x|.
 */
const DC_FREE_FEATURES = new Set(['std', 'skew', 'kurtosis', 'p2p']);
/** Features that measure signal level (faults multiply them; a dead sensor zeroes them). */
const LEVEL_FEATURES = new Set(['mean', 'std', 'p2p']);
const COMMISSIONING_MS = 24 * 3600 * 1000;

export interface ImsBearingResult {
  bearing: string;
  features: number;
  commissioning_rows: number;
  first_alarm_row: number | null;
  first_alarm_time: string | null;
  first_danger_row: number | null;
  alarm_rows: number;
  max_score: number;
  quality: Partial<Record<Quality, number>>;
  bad_rows: number[];
}

export interface ImsReport {
  dataset: string;
  method: Record<string, unknown>;
  trajectories: Array<{ file: string; test: string; ground_truth: string | null; rows: number; bearings: ImsBearingResult[] }>;
}

/** Groups a trajectory's columns by bearing: `B3_x_rms` → B3, `Bearing 3` → B3. */
export function bearingColumns(columns: readonly string[]): Map<string, Array<{ index: number; name: string; feature: string }>> {
  const out = new Map<string, Array<{ index: number; name: string; feature: string }>>();
  columns.forEach((name, index) => {
    const m1 = /^B(\d+)_([a-z])_(\w+)$/.exec(name);
    const m2 = /^Bearing (\d+)$/.exec(name);
    const bearing = m1 ? `B${m1[1]}` : m2 ? `B${m2[1]}` : null;
    if (!bearing) throw new Error(`cannot tell which bearing column '${name}' belongs to`);
    const feature = m1 ? m1[3]! : 'mean';
    const list = out.get(bearing) ?? [];
    list.push({ index, name, feature });
    out.set(bearing, list);
  });
  return out;
}

function parseTime(ts: string, file: string, row: number): number {
  const ms = Date.parse(`${ts.replace(' ', 'T')}Z`);
  if (!Number.isFinite(ms)) throw new Error(`${file}: row ${row} has an unreadable timestamp '${ts}'`);
  return ms;
}

function imsAsset(bearing: string, test: string, cols: Array<{ name: string; feature: string }>, commissioningRows: number, shaftHz: number): AssetConfig {
  const level = cols.filter((c) => LEVEL_FEATURES.has(c.feature)).map((c) => c.name);
  return {
    assetId: `ims-${test}-${bearing}`,
    name: `IMS ${test} ${bearing}`,
    bearing: ZA_2115,
    nominalShaftHz: shaftHz,
    channels: [],
    vectorChannels: [{ channelId: 'features', featureNames: cols.map((c) => c.name), levelFeatures: level.length > 0 ? level : [cols[0]!.name], deadBelowFraction: 0.1 }],
    // Snapshots are 10 min apart: an on-delay of one snapshot already means 10 minutes confirmed.
    setpoints: { score: { alert: 1, danger: 3, onDelayWindows: 1 }, velocityMmS: { alert: 4.5, danger: 7.1, onDelayWindows: 1 } },
    commissioningWindows: Math.max(8, commissioningRows),
  };
}

/**
 * `vigil evaluate ims`: each bearing is an asset fed one feature vector per snapshot in time
 * order; the engine commissions on the first 24 hours of each trajectory, then scores the rest
 * online. Reports each bearing's first alarm and how its snapshots were classified by quality.
 */
export async function evaluateIms(dir: string, log: (line: string) => void = () => {}, opts: { precision?: AutoencoderPrecision } = {}): Promise<ImsReport> {
  const manifest = await loadManifest(dir);
  if (manifest.kind !== 'ims') throw new Error(`${dir}/manifest.json is a CWRU manifest, not IMS: use 'vigil evaluate cwru'`);
  const trajectories: ImsReport['trajectories'] = [];
  const learner = new WorkerLearnerHost();
  try {
    for (const t of manifest.trajectories) trajectories.push(await evaluateTrajectory(dir, t, log, { learner, precision: opts.precision ?? PRODUCTION_PRECISION }));
  } finally {
    await learner.dispose();
  }
  return {
    dataset: manifest.dataset,
    method: {
      commissioning: 'first 24 h of each trajectory (time-ordered rows)',
      model: 'per-bearing autoencoder model of normal (int8 ONNX unless --precision fp32) over the bearing\'s DC-free columns (std, skew, kurtosis, p2p per axis) where the table has them, else mean |x|; level features log-scaled',
      alarm: 'alert = calibrated score ≥ 1.0 (99.9th percentile of held-out commissioning rows) on two consecutive snapshots',
      bad_quality: 'a snapshot whose level features fall below 0.1 × their commissioning median (dead sensor / stopped test) is classified bad and not scored',
    },
    trajectories,
  };
}

async function evaluateTrajectory(dir: string, t: ImsTrajectory, log: (line: string) => void, rig: { learner: LearnerApi; precision: AutoencoderPrecision }): Promise<ImsReport['trajectories'][number]> {
  const matrix = await loadRecording(dir, t);
  const times = t.timestamps.map((ts, r) => parseTime(ts, t.file, r));
  for (let r = 1; r < times.length; r++) if (!(times[r]! > times[r - 1]!)) throw new Error(`${t.file}: timestamps go backwards at row ${r}`);
  const commissioningRows = times.filter((ms) => ms < times[0]! + COMMISSIONING_MS).length;
  const test = String((t as { test?: unknown }).test ?? t.file).split(' ')[0]!.replace(/[^A-Za-z0-9]+/g, '');
  const groups = new Map([...bearingColumns(t.columns)].map(([b, cols]) => {
    const dcFree = cols.filter((c) => DC_FREE_FEATURES.has(c.feature));
    return [b, dcFree.length > 0 ? dcFree : cols] as const;
  }));
  const assets = [...groups].map(([b, cols]) => imsAsset(b, test, cols, commissioningRows, t.shaft_rpm / 60));
  const engine = await Engine.create({ assets, clock: () => times[0]!, actuator: new RecordingActuator(() => Date.now()), sourceLabel: `IMS ${t.file}`, learner: rig.learner, modelPrecision: rig.precision });
  const results = new Map<string, ImsBearingResult>();
  for (const [b, cols] of groups) {
    results.set(`ims-${test}-${b}`, { bearing: b, features: cols.length, commissioning_rows: commissioningRows, first_alarm_row: null, first_alarm_time: null, first_danger_row: null, alarm_rows: 0, max_score: 0, quality: {}, bad_rows: [] });
  }
  let row = 0;
  engine.on((e) => {
    const res = results.get(e.assetId);
    if (!res) return;
    if (e.type === 'AlarmLevelChanged' && e.to !== 'normal' && res.first_alarm_row === null) {
      res.first_alarm_row = row;
      res.first_alarm_time = t.timestamps[row]!;
    }
    if (e.type === 'AlarmLevelChanged' && e.to === 'danger' && res.first_danger_row === null) res.first_danger_row = row;
    if (e.type === 'ScoreComputed' && Number.isFinite(e.score)) res.max_score = Math.max(res.max_score, e.score);
  });
  try {
    const nc = t.num_columns;
    for (row = 0; row < t.rows; row++) {
      for (const [b, cols] of groups) {
        const assetId = `ims-${test}-${b}`;
        const values = new Float32Array(cols.length);
        cols.forEach((c, i) => (values[i] = matrix[row * nc + c.index]!));
        const r = engine.acceptVector({ assetId, channelId: 'features', atMs: times[row]!, values });
        const res = results.get(assetId)!;
        const q: Quality = r.ok ? (engine.vectorQuality(assetId, 'features') ?? 'good') : 'bad';
        res.quality[q] = (res.quality[q] ?? 0) + 1;
        if (q === 'bad') res.bad_rows.push(row);
      }
      await engine.settle();
      for (const res of results.values()) {
        const m = engine.monitor(`ims-${test}-${res.bearing}`)!;
        if (m.level !== 'normal') res.alarm_rows++;
      }
    }
    if (engine.errorCount > 0) throw new Error(`engine failed on ${t.file}: ${String(engine.lastError)}`);
  } finally {
    await engine.dispose();
  }
  const bearings = [...results.values()].map((r) => ({ ...r, max_score: Math.round(r.max_score * 1000) / 1000 }));
  for (const b of bearings) log(`${t.file} ${b.bearing}: first alarm row ${b.first_alarm_row ?? '-'} (${b.first_alarm_time ?? '-'}), danger row ${b.first_danger_row ?? '-'}, alarm rows ${b.alarm_rows}/${t.rows}, max score ${b.max_score}, quality ${JSON.stringify(b.quality)}`);
  return { file: t.file, test, ground_truth: typeof t.ground_truth === 'string' ? t.ground_truth : null, rows: t.rows, bearings };
}
