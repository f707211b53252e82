import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The import rules that keep the arrows one way (renderer → engine/contract ← preload ← main → engine)
 * are only worth something if they fire: each case lints a would-be file and expects the rule's error.
 */
const eslint = new ESLint({ cwd: process.cwd() });

async function messages(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('dependency rules', () => {
  const cases: Array<[file: string, code: string, expected: RegExp]> = [
    ['renderer/src/Bad.ts', "import { Engine } from '../../engine/engine';\nexport const x = Engine;\n", /renderer imports nothing of engine but engine\/contract/],
    ['preload/bad.ts', "import { Engine } from '../engine/engine';\nexport const x = Engine;\n", /preload imports nothing of engine but engine\/contract/],
    ['engine/bad.ts', "import { IPC } from '../preload/channels';\nexport const x = IPC;\n", /engine runs headless/],
    ['engine/bad.ts', "import { app } from 'electron';\nexport const x = app;\n", /no Electron import/],
    ['engine/contract/bad.ts', "import { Engine } from '../engine';\nexport const x = Engine;\n", /engine\/contract is the common layer/],
    ['renderer/src/Bad.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", /no Node built-ins in the renderer/],
  ];
  for (const [file, code, expected] of cases) {
    it(`refuses ${code.split('\n')[0]} in ${file}`, async () => {
      expect((await messages(file, code)).join('\n')).toMatch(expected);
    });
  }

  it('allows the renderer and preload to import engine/contract', async () => {
    expect(await messages('renderer/src/Ok.ts', "import { PlantStatusSchema } from '../../engine/contract';\nexport const x = PlantStatusSchema;\n")).toEqual([]);
    expect(await messages('preload/ok.ts', "import { PlantStatusSchema } from '../engine/contract';\nexport const x = PlantStatusSchema;\n")).toEqual([]);
  });
});
