import { formatPlantConfigErrors, loadPlantConfig } from './loadPlantConfig';

/** Where the command writes: stdout for the summary, stderr for the errors (injected for tests). */
export interface CheckPlantOutput {
  out(line: string): void;
  err(line: string): void;
}

/**
 * `vigil check-plant FILE`: checks a plant file without starting anything, so it can run at the
 * desk, in CI and before a restart on site. Exit code 0 with a one-line summary when the file is
 * valid, 1 with every error (`file:line:column path: message`) and their count when it is not.
 */
export async function checkPlantCommand(file: string, io: CheckPlantOutput = { out: (l) => console.log(l), err: (l) => console.error(l) }): Promise<number> {
  const r = await loadPlantConfig(file);
  if (!r.ok) {
    io.err(formatPlantConfigErrors(file, r.errors));
    io.err(`${r.errors.length} problem${r.errors.length === 1 ? '' : 's'} in ${file}`);
    return 1;
  }
  const { site, sources, outputs } = r.config;
  const trips = outputs === 'none' ? 'no trip outputs (monitoring only)' : `${outputs.length} trip output${outputs.length === 1 ? '' : 's'}`;
  io.out(`${file}: site ${site}, ${sources.length} source${sources.length === 1 ? '' : 's'}, ${r.assets.length} asset${r.assets.length === 1 ? '' : 's'} (${r.assets.map((a) => a.assetId).join(', ')}), ${trips}`);
  return 0;
}
