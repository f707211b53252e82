import { afterEach, describe, expect, it } from 'vitest';
import { MOSQUITTO, startMosquitto } from '../../../../engine/connect/localPeer';
import { StatusShare } from '../../../../engine/connect/mqtt/StatusShare';
import type { AssetStatus } from '../../../../engine/contract/status';
import { rawClient, until } from './output/mqttTestKit';

const status = (assetId: string, score: number): AssetStatus => ({
  assetId, name: `Pump ${assetId}`, heldBy: 'e1', phase: 'monitoring', commissioningProgress: 1, quality: 'good', level: 'normal', latched: false, bypass: null, firstOut: null,
  operatingState: 'running', configVersion: 'cfg-1', score, velocityRmsMmS: 1.2, shaftHz: 24.75, modelVersion: 'm1', diagnosis: null, lastWindowMs: 1, trips: 0,
  learning: { state: 'learning', detail: null, promotions: 1, learnedWindows: 10, regimes: 1 },
});

/** Asset statuses shared between the engines of a scale-out group through a real broker. */
describe.skipIf(!MOSQUITTO)('StatusShare (mosquitto)', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('given one engine publishing its pumps, then another sees them while fresh and from that engine only, retained for a late starter, and refuses what is not a status', async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.stop());
    const url = `mqtt://127.0.0.1:${broker.port}`;
    const now = 10_000;
    const e1 = StatusShare.start({ url, site: 's', engineId: 'e1', clock: () => now });
    cleanups.push(() => e1.dispose());
    await until(() => e1.counters().connected, 5_000, 'e1 to connect');
    e1.publish([status('p1', 0.4), status('p2', 0.7)]);

    // A console that starts later still gets them: they are retained.
    const e2 = StatusShare.start({ url, site: 's', engineId: 'e2' });
    cleanups.push(() => e2.dispose());
    await until(() => e2.from('e1', 'p2', now, 3_000) !== null, 5_000, 'e2 to see p2');
    expect(e2.from('e1', 'p1', now, 3_000)).toEqual(status('p1', 0.4));
    expect(e2.from('e3', 'p1', now, 3_000)).toBeNull(); // another engine holds it now: not e1's to show
    expect(e2.from('e1', 'p1', now + 3_001, 3_000)).toBeNull(); // too old

    const raw = await rawClient(url);
    cleanups.push(() => raw.endAsync(true));
    await raw.publishAsync('vigil/v1/s/p1/status', 'not json');
    await raw.publishAsync('vigil/v1/s/p1/status', JSON.stringify({ engineId: 'e1', atMs: now, status: { assetId: 'p1' } }));
    await raw.publishAsync('vigil/v1/s/p9/status', JSON.stringify({ engineId: 'e1', atMs: now, status: status('p1', 9) }));
    await until(() => e2.counters().refused === 3, 5_000, 'the three bad messages to be refused');
    expect(e2.from('e1', 'p1', now, 3_000)).toEqual(status('p1', 0.4));
  });
});
