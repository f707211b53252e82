import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../engine/cli';
import { openStore } from '../../../engine/store/openStore';
import { dataDir } from '../../support/data';

const cwru = dataDir('cwru');
afterEach(() => vi.restoreAllMocks());

describe(`vigil replay of a real fault recording${cwru.present ? '' : ` — SKIPPED: ${cwru.skipReason}`}`, () => {
  it.skipIf(!cwru.present)('fault recording → alarm → trip → incident row with the trip frame, model version and diagnosis', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    const db = join(mkdtempSync(join(tmpdir(), 'vigil-replay-')), 'replay.sqlite');
    expect(await main(['replay', '--data', cwru.dir, '--file', 'cwru_or6_007_load0_de12k.f32', '--fast', '--db', db])).toBe(0);
    expect(lines.some((l) => /normal → danger/.test(l))).toBe(true);
    expect(lines.some((l) => /TRIP requested/.test(l))).toBe(true);

    const store = openStore(db);
    try {
      const [summary] = store.repo.listIncidents({ limit: 10 });
      const incident = store.repo.getIncident(summary!.id)!;
      expect(incident.assetId).toBe('cwru-motor-de');
      expect(incident.modelVersion).toMatch(/^m-[0-9a-f]{12}$/);
      expect(incident.diagnosis?.fault).toBe('outer_race');
      expect(incident.tripMs).not.toBeNull();
      expect(incident.tripFrame).toMatchObject({ channelId: 'de_accel', sampleRateHz: 12_000 });
      expect(incident.tripFrame!.samples).toHaveLength(4096);
      const [trip] = store.repo.listTripsForIncident(incident.id);
      expect(trip).toMatchObject({ assetId: 'cwru-motor-de', modelVersion: incident.modelVersion, actuator: 'builtin-recorder' });
      expect(store.repo.listModelVersions('cwru-motor-de').map((m) => m.versionId)).toContain(incident.modelVersion);
    } finally {
      await store.close();
    }
  });
});
