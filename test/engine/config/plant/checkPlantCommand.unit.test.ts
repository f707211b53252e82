import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkPlantCommand } from '../../../../engine/config/plant/checkPlantCommand';
import { edit, VALID_PLANT } from './validPlantFixture';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs the command on `text` written to a temporary plant.yaml; returns its exit code and what it printed. */
async function run(text: string): Promise<{ code: number; out: string[]; err: string[]; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-plant-'));
  dirs.push(dir);
  const file = join(dir, 'plant.yaml');
  writeFileSync(file, text);
  const out: string[] = [];
  const err: string[] = [];
  const code = await checkPlantCommand(file, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err, file };
}

describe('vigil check-plant', () => {
  it('given a valid plant file, when checked, then it exits 0 with a one-line summary', async () => {
    const r = await run(VALID_PLANT);
    expect({ code: r.code, out: r.out, err: r.err }).toEqual({
      code: 0,
      out: [`${r.file}: site east-mill, 3 sources, 2 assets (pump-7, fan-3), 2 trip outputs`],
      err: [],
    });
  });

  it('given a file with a mistake, when checked, then it exits 1 with the error at its line and the count', async () => {
    const r = await run(edit(VALID_PLANT, 'pollMs: 250', 'pollMs: -250'));
    expect({ code: r.code, out: r.out, err: r.err }).toEqual({
      code: 1,
      out: [],
      err: [`${r.file}:11:5 sources[1].pollMs: expected a number ≥ 10, got -250`, `1 problem in ${r.file}`],
    });
  });
});
