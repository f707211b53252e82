import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadNabCorpus, type NabSeries } from './nabCorpus';
import {
  NAB_PROFILES,
  nabProbationRows,
  normaliseNabScore,
  optimiseThreshold,
  scoreSeries,
  type NabProfileName,
  type NabScoredSeries,
  type NabTally,
} from './nabScore';

/** An online detector of one stream: called once per row in time order, returns a score in [0,1]. */
export interface NabStreamDetector {
  step(timeMs: number, value: number): number;
}

/** Makes a fresh detector per series. Gets what NAB gives its detectors: the series' probation length. */
export interface NabDetectorFactory {
  /** Detector name, used in NAB's result layout (`<name>/<category>/<name>_<file>.csv`). */
  readonly name: string;
  /** How the detector works, copied into the detail report. */
  readonly description: Record<string, unknown>;
  create(series: { key: string; probationRows: number }): NabStreamDetector;
}

/** Normalised scores per profile: the contents of scores.json. */
export type NabScores = Record<NabProfileName, number>;

/** Everything the run measured, written to nab-detail.json beside scores.json. */
export interface NabReport {
  scores: NabScores;
  detector: { name: string; description: Record<string, unknown> };
  profiles: Array<{ profile: NabProfileName; threshold: number; raw_score: number; normalised: number; windows: number; detected_windows: number; missed_windows: number; false_positives: number }>;
  /** Normalised standard score per category, at the corpus-wide standard threshold. */
  categories: Record<string, number>;
  files: Array<{ file: string; rows: number; windows: number; standard: NabTally }>;
  wall_time_s: number;
}

/** Options of {@link evaluateNab}. */
export interface EvaluateNabOptions {
  /** NAB root: holds data/ and labels/combined_windows.json. */
  readonly dataDir: string;
  /** Output directory (created): per-series CSVs, scores.json, nab-detail.json. */
  readonly outDir: string;
  readonly detector: NabDetectorFactory;
  /** Restrict to these `<category>/<file>.csv` keys (tests); the scoreboard needs all 58. */
  readonly only?: readonly string[];
  readonly log?: (line: string) => void;
  /** Injected clock for the wall time (ms). */
  readonly nowMs?: () => number;
}

/** Run one detector over one series, strictly row by row. */
export function runSeries(series: NabSeries, detector: NabDetectorFactory): Float64Array {
  const d = detector.create({ key: series.key, probationRows: nabProbationRows(series.values.length) });
  const scores = new Float64Array(series.values.length);
  for (let i = 0; i < scores.length; i++) {
    const s = d.step(series.timesMs[i]!, series.values[i]!);
    if (!(s >= 0 && s <= 1)) throw new Error(`${series.key}: detector ${detector.name} gave score ${s} at row ${i}, outside [0,1]`);
    scores[i] = s;
  }
  return scores;
}

/** NAB's result CSV: timestamp,value,anomaly_score,label (label 1 inside a labelled window). */
export function resultCsv(series: NabSeries, scores: ArrayLike<number>): string {
  const label = new Uint8Array(series.values.length);
  for (const w of series.windows) label.fill(1, w.startRow, w.endRow + 1);
  const lines = ['timestamp,value,anomaly_score,label'];
  for (let i = 0; i < label.length; i++) lines.push(`${series.timestampText[i]},${series.valueText[i]},${scores[i]},${label[i]}`);
  return `${lines.join('\n')}\n`;
}

/** Where a series' result CSV goes: NAB's own results layout, so the folder drops into a NAB checkout. */
export function resultPath(outDir: string, detector: string, series: NabSeries): string {
  return join(outDir, detector, series.category, `${detector}_${series.name}.csv`);
}

/**
 * `vigil evaluate nab`: run the detector online over every NAB series, write NAB-format results,
 * choose one threshold per profile over the whole corpus (the only use of the labels), and report
 * the normalised scores. Why the harness owns the threshold and the detector never sees labels:
 * that separation is what makes the number comparable with the published scoreboard.
 */
export async function evaluateNab(opts: EvaluateNabOptions): Promise<NabReport> {
  const log = opts.log ?? (() => {});
  const now = opts.nowMs ?? (() => performance.now());
  const started = now();
  const corpus = await loadNabCorpus(opts.dataDir, opts.only);
  const scored: NabScoredSeries[] = [];
  for (const series of corpus) {
    const t0 = now();
    const scores = runSeries(series, opts.detector);
    const path = resultPath(opts.outDir, opts.detector.name, series);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, resultCsv(series, scores));
    scored.push({ name: series.key, scores, windows: series.windows });
    log(`${series.key}: ${series.values.length} rows, ${series.windows.length} windows, ${((now() - t0) / 1000).toFixed(1)} s`);
  }
  const profiles = NAB_PROFILES.map((p) => {
    const c = optimiseThreshold(scored, p);
    return { profile: p.name, threshold: c.threshold, raw_score: c.score, normalised: normaliseNabScore(c.score, c.windows, p), windows: c.windows, detected_windows: c.detectedWindows, missed_windows: c.missedWindows, false_positives: c.falsePositives };
  });
  const scores = Object.fromEntries(profiles.map((p) => [p.profile, p.normalised])) as NabScores;
  const standard = NAB_PROFILES[0]!;
  const threshold = profiles[0]!.threshold;
  const files = scored.map((s) => ({ file: s.name, rows: s.scores.length, windows: s.windows.length, standard: scoreSeries(s, standard, threshold) }));
  const categories: Record<string, number> = {};
  for (const cat of [...new Set(corpus.map((s) => s.category))]) {
    const inCat = files.filter((f) => f.file.startsWith(`${cat}/`));
    const windows = inCat.reduce((a, f) => a + f.standard.detectedWindows + f.standard.missedWindows, 0);
    if (windows > 0) categories[cat] = normaliseNabScore(inCat.reduce((a, f) => a + f.standard.score, 0), windows, standard);
  }
  const report: NabReport = {
    scores,
    detector: { name: opts.detector.name, description: opts.detector.description },
    profiles,
    categories,
    files,
    wall_time_s: (now() - started) / 1000,
  };
  await mkdir(opts.outDir, { recursive: true });
  await writeFile(join(opts.outDir, 'scores.json'), `${JSON.stringify(scores, null, 2)}\n`);
  await writeFile(join(opts.outDir, 'nab-detail.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
