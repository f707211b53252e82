import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Where the shared public recordings live: $VIGIL_DATA, else ../shared/data beside the checkout.
 * Tests that need them call `dataDir(sub)` and skip with the returned reason when it is absent,
 * so a user's clone without the data still runs the core suite on the simulator.
 */
export const DATA_ROOT = resolve(process.env.VIGIL_DATA ?? resolve(process.cwd(), '../shared/data'));

export function dataDir(sub: string): { dir: string; present: boolean; skipReason: string } {
  const dir = resolve(DATA_ROOT, sub);
  const present = existsSync(resolve(dir, 'manifest.json'));
  return { dir, present, skipReason: `shared data not found at ${dir} (set VIGIL_DATA): test skipped` };
}
