import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { NabWindowRows } from './nabScore';

/** One NAB series, loaded and checked. */
export interface NabSeries {
  /** NAB's key for the file, `<category>/<name>.csv`, as in combined_windows.json. */
  readonly key: string;
  readonly category: string;
  /** File name without `.csv`. */
  readonly name: string;
  /** Timestamps exactly as written in the file, so result CSVs reproduce them byte for byte. */
  readonly timestampText: readonly string[];
  /** Value text exactly as written in the file. */
  readonly valueText: readonly string[];
  /** Timestamps as UTC epoch milliseconds (NAB timestamps carry no zone). */
  readonly timesMs: Float64Array;
  readonly values: Float64Array;
  /** Labelled windows as inclusive row ranges, in time order. */
  readonly windows: readonly NabWindowRows[];
}

/** Where the pieces of a NAB checkout live under its root (our shared/data/nab copy has the same layout). */
export function nabPaths(root: string): { dataDir: string; windowsFile: string } {
  return { dataDir: join(root, 'data'), windowsFile: join(root, 'labels', 'combined_windows.json') };
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `NAB ${what} not found: ${file}` : `cannot read NAB ${what} ${file}: ${(err as Error).message}`);
  }
}

/** NAB timestamp `YYYY-MM-DD HH:MM:SS[.ffffff]` → UTC ms, or NaN. */
export function parseNabTime(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(text.trim());
  if (!m) return NaN;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return m[7] ? ms + Math.round(Number(`0.${m[7]}`) * 1000) : ms;
}

/**
 * Parse one `timestamp,value` CSV. Why so strict: a NAB score is only meaningful on the exact
 * published rows, so a truncated or edited file must stop the run with the file and row named,
 * not shift every window by one row. Timestamps are *not* required to increase: seven published
 * series repeat or step back an hour around DST changes, and NAB scores them by row order.
 */
export function parseNabCsv(text: string, file: string): { timestampText: string[]; valueText: string[]; timesMs: Float64Array; values: Float64Array } {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines[0]?.trim() !== 'timestamp,value') throw new Error(`${file}: expected header 'timestamp,value', found '${lines[0] ?? ''}'`);
  const rows = lines.length - 1;
  if (rows < 1) throw new Error(`${file}: no data rows`);
  const timestampText: string[] = [];
  const valueText: string[] = [];
  const timesMs = new Float64Array(rows);
  const values = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const line = lines[r + 1]!;
    const parts = line.split(',');
    if (parts.length !== 2) throw new Error(`${file}: row ${r + 1} has ${parts.length} fields, expected 2: '${line}'`);
    const ms = parseNabTime(parts[0]!);
    const v = Number(parts[1]);
    if (!Number.isFinite(ms)) throw new Error(`${file}: row ${r + 1} has an unreadable timestamp '${parts[0]}'`);
    if (parts[1]!.trim() === '' || !Number.isFinite(v)) throw new Error(`${file}: row ${r + 1} has a non-numeric value '${parts[1]}'`);
    timestampText.push(parts[0]!);
    valueText.push(parts[1]!);
    timesMs[r] = ms;
    values[r] = v;
  }
  return { timestampText, valueText, timesMs, values };
}

/** Map `[start, end]` label timestamps to row indices; both must be rows of the file (NAB matches them exactly). */
export function windowRows(timesMs: Float64Array, limits: unknown, key: string): NabWindowRows[] {
  if (!Array.isArray(limits)) throw new Error(`combined_windows.json: entry for ${key} is not a list of [start, end] pairs`);
  const index = new Map<number, number>();
  // First occurrence, as NAB's `timestamps.index`: a few published series repeat a timestamp (DST changes).
  timesMs.forEach((ms, i) => {
    if (!index.has(ms)) index.set(ms, i);
  });
  return limits.map((pair: unknown, k) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
      throw new Error(`combined_windows.json: window ${k} of ${key} is not a [start, end] pair of timestamps`);
    }
    const [startRow, endRow] = pair.map((t: string) => {
      const row = index.get(parseNabTime(t));
      if (row === undefined) throw new Error(`combined_windows.json: window ${k} of ${key} names ${t}, which is not a row of the file`);
      return row;
    }) as [number, number];
    if (endRow < startRow) throw new Error(`combined_windows.json: window ${k} of ${key} ends before it starts`);
    return { startRow, endRow };
  });
}

/**
 * Load every series under `<root>/data/<category>/*.csv` with its windows from
 * `<root>/labels/combined_windows.json`. Every data file must have a labels entry and every labels
 * entry a data file: a corpus with a series missing is not NAB, and its score would not compare.
 * `only` restricts loading to some keys (tests use a few files).
 */
export async function loadNabCorpus(root: string, only?: readonly string[]): Promise<NabSeries[]> {
  const { dataDir, windowsFile } = nabPaths(root);
  let labels: Record<string, unknown>;
  try {
    labels = JSON.parse(await readText(windowsFile, 'labels file')) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof SyntaxError) throw new Error(`${windowsFile}: not valid JSON (${err.message})`);
    throw err;
  }
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) throw new Error(`${windowsFile}: expected an object of file → windows`);
  let categories: string[];
  try {
    categories = (await readdir(dataDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch {
    throw new Error(`NAB data folder not found: ${dataDir}`);
  }
  const keys: string[] = [];
  for (const c of categories) {
    for (const f of (await readdir(join(dataDir, c))).filter((f) => f.endsWith('.csv')).sort()) keys.push(`${c}/${f}`);
  }
  for (const k of Object.keys(labels)) if (!keys.includes(k)) throw new Error(`${windowsFile} lists ${k}, but ${join(dataDir, k)} does not exist`);
  const wanted = only ? keys.filter((k) => only.includes(k)) : keys;
  if (only) for (const k of only) if (!keys.includes(k)) throw new Error(`NAB file not found: ${join(dataDir, k)}`);
  const corpus: NabSeries[] = [];
  for (const key of wanted) {
    if (!(key in labels)) throw new Error(`${join(dataDir, key)} has no entry in ${windowsFile}`);
    const file = join(dataDir, key);
    const parsed = parseNabCsv(await readText(file, 'data file'), file);
    const [category, base] = key.split('/') as [string, string];
    corpus.push({ key, category, name: base.replace(/\.csv$/, ''), ...parsed, windows: windowRows(parsed.timesMs, labels[key], key) });
  }
  return corpus;
}
