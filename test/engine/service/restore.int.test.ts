import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RecordingActuator } from '../../../engine/actuate/actuator';
import { Engine } from '../../../engine/engine';
import { DemoPlant } from '../../../engine/ingest/demoPlant';
import { DEMO_MACHINES } from '../../../engine/ingest/demoMachines';
import { restoreProductionModels } from '../../../engine/service/restoreModels';
import { openStore } from '../../../engine/store/openStore';

const dir = mkdtempSync(join(tmpdir(), 'vigil-restore-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runPlant(dbPath: string, frames: number, restore: boolean): Promise<{ versions: Record<string, string | null>; restored: unknown[]; scoredAtOnce: boolean }> {
  const machines = DEMO_MACHINES.filter((m) => m.assetId === 'pump-101' || m.assetId === 'fan-201');
  const plant = new DemoPlant({ seed: 3, startMs: 0, machines, faultSchedule: [] });
  const store = openStore(dbPath);
  const engine = await Engine.create({ assets: plant.assets(), clock: () => 0, actuator: new RecordingActuator(() => 0), store: (op) => store.writer.enqueue(op) });
  const restored = restore ? await restoreProductionModels(engine, store.repo) : [];
  for (let i = 0; i < 8; i++) for (const f of plant.nextFrames()) await engine.push(f);
  await engine.settle();
  const scoredAtOnce = engine.status().windowsScored > 0;
  for (let i = 0; i < frames; i++) {
    for (const f of plant.nextFrames()) engine.accept(f);
    if (i % 10 === 0) await engine.settle();
  }
  await engine.settle();
  const versions = Object.fromEntries(engine.status().assets.map((a) => [a.assetId, a.modelVersion]));
  await engine.dispose();
  await store.close();
  return { versions, restored, scoredAtOnce };
}

describe('restart: production models come back from the registry', () => {
  it('given a plant that commissioned and stored its models, when the console restarts on the same database, then every channel resumes the same version at once instead of learning again', async () => {
    const db = join(dir, 'plant.sqlite');
    const first = await runPlant(db, 200, false);
    expect(Object.values(first.versions).every((v) => v !== null)).toBe(true);
    const second = await runPlant(db, 0, true);
    expect(second.restored).toEqual([
      { assetId: 'pump-101', channelId: expect.any(String), restored: first.versions['pump-101'], confirmedFaults: 0 },
      { assetId: 'fan-201', channelId: expect.any(String), restored: first.versions['fan-201'], confirmedFaults: 0 },
    ]);
    expect(second.scoredAtOnce).toBe(true);
    expect(second.versions).toEqual(first.versions);
  }, 120_000);

  it('given a registry row whose weights were tampered with, then that channel is refused with the reason and commissions afresh', async () => {
    const db = join(dir, 'tampered.sqlite');
    const first = await runPlant(db, 200, false);
    const store = openStore(db);
    store.db.prepare("UPDATE model_versions SET params_json = json_set(params_json, '$.model.threshold', 123.0) WHERE version_id = ?").run(first.versions['pump-101']);
    await store.close();
    const second = await runPlant(db, 0, true);
    expect(second.restored).toContainEqual({ assetId: 'pump-101', channelId: expect.any(String), refused: expect.stringMatching(/does not rebuild to its own bytes/) });
    expect(second.versions['fan-201']).toBe(first.versions['fan-201']);
    expect(second.versions['pump-101']).toBeNull();
  }, 120_000);
});
