import { readFile } from 'node:fs/promises';
import type { AssetConfig } from '../../contract/asset';
import { PlantAssetSchema } from './plantAssetSchema';
import { PlantConfigSchema, type PlantConfig } from './plantConfigSchema';
import { crossCheckPlant } from './plantCrossChecks';
import { list, obj, type PlantFinding } from './rawPlant';
import { checkAssetConfig, toAssetConfig, withStandIns } from './toAssetConfig';
import { validateWithFindings } from './validateWithFindings';
import { formatPath, readYaml, type TextPosition } from './yamlSource';

/**
 * Reading a plant configuration file. A commissioning engineer edits it by hand, runs Vigil, and
 * must get every mistake back at once, each at its line, in the `file:line:column` form editors and
 * terminals turn into links: one error per run would make a ten-mistake file ten restarts.
 */

/** One problem in a plant file. */
export interface PlantConfigError {
  /** 1-based line; 0 when the problem is the file as a whole (it cannot be read). */
  line: number;
  /** 1-based column; 0 with line 0. */
  column: number;
  /** Where in the configuration, e.g. `assets[1].channels[0].sampleRateHz`; empty for syntax and file errors. */
  path: string;
  message: string;
}

/** A plant file's configuration and the engine's assets built from it, or every problem in it. */
export type PlantConfigResult = { ok: true; config: PlantConfig; assets: AssetConfig[] } | { ok: false; errors: PlantConfigError[] };

function byPosition(a: PlantConfigError, b: PlantConfigError): number {
  return a.line - b.line || a.column - b.column || a.path.localeCompare(b.path) || a.message.localeCompare(b.message);
}

/** Sorted by line, each distinct problem once (the schema and a per-asset check may both see one). */
function settle(errors: PlantConfigError[]): PlantConfigError[] {
  const seen = new Set<string>();
  return errors.sort(byPosition).filter((e) => {
    const key = `${e.line}:${e.column}:${e.path}:${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Parses and checks a plant file's text (YAML; JSON is YAML too). A YAML syntax error is reported
 * alone, at the parser's position: the data it leaves is not what the author wrote. Otherwise the
 * field schema, duplicate keys, the cross-field rules and the engine's own checks of every asset
 * that parsed all run, and all their problems come back together, sorted by line.
 *
 * `fileName` names the file in the one message that is about the whole of it (an empty file).
 */
export function parsePlantConfig(text: string, fileName: string): PlantConfigResult {
  const yaml = readYaml(text);
  const at = (f: PlantFinding, pos: TextPosition = yaml.locate(f.path)): PlantConfigError => ({ ...pos, path: formatPath(f.path), message: f.message });
  if (yaml.syntaxError) return { ok: false, errors: [at(yaml.syntaxError, yaml.syntaxError)] };
  if (yaml.value === null || yaml.value === undefined) {
    return { ok: false, errors: [{ line: 1, column: 1, path: '', message: `${fileName} is empty: start from engine/config/plant/example-plant.yaml` }] };
  }

  const findings: PlantFinding[] = [];
  const errors: PlantConfigError[] = yaml.duplicateKeys.map((d) => at(d, d));
  const parsed = validateWithFindings(PlantConfigSchema, yaml.value);
  if (!parsed.ok) findings.push(...parsed.findings);
  findings.push(...crossCheckPlant(yaml.value, (path) => yaml.locate(path).line));

  // Each asset that parsed on its own is built and checked now, so its engine-level problems come
  // with the rest instead of after the others are fixed.
  const root = obj(yaml.value);
  const catalogue = validateWithFindings(PlantConfigSchema.shape.bearings, root?.bearings);
  const assets: AssetConfig[] = [];
  list(root?.assets).forEach((raw, i) => {
    const asset = validateWithFindings(PlantAssetSchema, raw);
    if (!asset.ok) return;
    const built = catalogue.ok ? toAssetConfig(asset.data, catalogue.data) : null;
    const checked = built ?? toAssetConfig(withStandIns(asset.data), undefined);
    if (checked) findings.push(...checkAssetConfig(checked, asset.data).map((f) => ({ ...f, path: ['assets', i, ...f.path] })));
    if (built) assets.push(built);
  });

  errors.push(...findings.map((f) => at(f)));
  if (!parsed.ok || errors.length > 0) return { ok: false, errors: settle(errors) };
  return { ok: true, config: parsed.data, assets };
}

const READ_FAILURES: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory, not a plant file',
};

/**
 * Reads and parses the plant file at `path`. A file that cannot be read is one error at line 0 saying
 * why (no such file, permission denied), never a thrown exception: the caller prints errors one way.
 */
export async function loadPlantConfig(path: string): Promise<PlantConfigResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const why = READ_FAILURES[code] ?? (err instanceof Error ? err.message : String(err));
    return { ok: false, errors: [{ line: 0, column: 0, path: '', message: `cannot read the plant configuration: ${why}` }] };
  }
  return parsePlantConfig(text, path);
}

/**
 * The errors as `plant.yaml:14:7 assets[1].channels[0].sampleRateHz: expected a positive number,
 * got -5`, one per line, in the order given (parsePlantConfig sorts them by line).
 */
export function formatPlantConfigErrors(fileName: string, errors: readonly PlantConfigError[]): string {
  return errors
    .map((e) => {
      const where = e.line === 0 ? `${fileName}:` : `${fileName}:${e.line}:${e.column}`;
      return `${where} ${e.path ? `${e.path}: ` : ''}${e.message}`;
    })
    .join('\n');
}
