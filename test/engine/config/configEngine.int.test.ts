import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RecordingActuator } from '../../../engine/actuate/actuator';
import { Accounts } from '../../../engine/auth/Accounts';
import { ConfigService } from '../../../engine/config/ConfigService';
import type { AssetConfig } from '../../../engine/contract';
import { Engine } from '../../../engine/engine';
import { SeededUniform } from '../../../engine/learn/SeededUniform';
import { FeatureDownsampler } from '../../../engine/store/featureDownsampler';
import { openStore, type Store } from '../../../engine/store/openStore';
import { vectorAsset } from '../../support/vectorAsset';

/**
 * Managed changes against the real engine and store: the history the console recorded is
 * backtested, the approved version is put in force between windows and carried by incidents, and a
 * restart puts the latest stored version back in force.
 */

const dir = mkdtempSync(join(tmpdir(), 'vigil-config-engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ASSET = 'press-7';
const asset: AssetConfig = vectorAsset({ assetId: ASSET, channels: { f: ['rms', 'kurtosis', 'temp'] }, commissioningWindows: 40, learning: { enabled: false } });

/** A console on the store: engine, history recording as the demo console does it, users and the change service. */
async function console(store: Store, t: { ms: number }) {
  const engine = await Engine.create({ assets: [asset], clock: () => t.ms, actuator: new RecordingActuator(() => t.ms), store: (op) => store.writer.enqueue(op) });
  const history = new FeatureDownsampler();
  engine.on((e) => {
    if (e.type !== 'ScoreComputed') return;
    const rows = history.push(e.assetId, e.channelId, e.endMs, Number.isFinite(e.score) ? e.score : null, null);
    if (rows.length > 0) store.writer.enqueue({ kind: 'appendFeatureHistory', rows: [...rows] });
  });
  await store.writer.flush();
  const accounts = new Accounts(store.db);
  const configs = new ConfigService({ repo: store.repo, authority: accounts, target: engine, clock: () => t.ms });
  return { engine, accounts, configs, history };
}

describe('managed protection changes on the live engine', () => {
  it('given recorded history with a trip, when an engineer proposes a danger level that would not have tripped, then the backtest says so; once a second engineer approves, it is in force from the next window, incidents carry it, and it survives a restart', async () => {
    const path = join(dir, 'vigil.sqlite');
    const t = { ms: 1_000_000 };
    const store = openStore(path);
    const { engine, accounts, configs, history } = await console(store, t);
    await accounts.createFirstAdmin('ada', 'correct horse battery');
    await accounts.createUser({ userName: 'ada' }, { userName: 'erin', role: 'engineer', secretKind: 'password', secret: 'bearing-grease-42' });
    await accounts.createUser({ userName: 'ada' }, { userName: 'eve', role: 'engineer', secretKind: 'password', secret: 'spindle-oil-1977' });
    await accounts.createUser({ userName: 'ada' }, { userName: 'olga', role: 'operator', secretKind: 'pin', secret: '582914' });

    const started = configs.start();
    expect(started).toMatchObject([{ assetId: ASSET, outcome: 'stored-initial', versionId: 'cfg-press-7-1' }]);
    expect(engine.status().assets[0]!.configVersion).toBe('cfg-press-7-1');

    const u = new SeededUniform(5);
    const feed = async (k: number, fault = 0): Promise<void> => {
      for (let i = 0; i < k; i++) {
        t.ms += 1000;
        engine.acceptVector({ assetId: ASSET, channelId: 'f', atMs: t.ms, values: Float32Array.from([1 + 0.05 * u.next(), 3 + 0.2 * u.next() + 6 * fault, 40 + u.next()]) });
        if (i % 5 === 0) await engine.settle();
      }
      await engine.settle();
    };
    await feed(40);
    await feed(100);
    await feed(10, 1);
    expect(engine.status().assets[0]).toMatchObject({ latched: true, trips: 1 });
    await feed(5);
    expect(engine.resetLatch(ASSET, 'erin')).toEqual({ ok: true });
    await feed(60);
    store.writer.enqueue({ kind: 'appendFeatureHistory', rows: [...history.flush()] });
    await store.writer.flush();
    const before = store.repo.listIncidents({ assetId: ASSET, limit: 10 });
    expect(before.filter((i) => i.tripMs !== null)).toHaveLength(1);
    expect(new Set(before.map((i) => i.configVersion))).toEqual(new Set(['cfg-press-7-1']));

    // The proposal: danger far above anything recorded. The backtest replays what the console stored.
    const current = engine.protectionConfig(ASSET);
    const proposed = { ...current, groups: current.groups.map((g) => ({ ...g, danger: 1000 })) };
    await expect(configs.propose({ userName: 'olga' }, ASSET, proposed, 'fewer trips')).rejects.toThrow(/operator|not allowed|role/i);
    const proposal = await configs.propose({ userName: 'erin' }, ASSET, proposed, 'trial: the press trips on tool changes');
    expect(proposal.backtest!.windows).toBeGreaterThan(150);
    expect(proposal.backtest!.incidents).toBe(before.length);
    expect(proposal.backtest!.current.trips).toBe(1);
    expect(proposal.backtest!.proposed.trips).toBe(0);
    const trippedId = before.find((i) => i.tripMs !== null)!.id;
    expect(proposal.backtest!.current.detections.find((d) => d.incidentId === trippedId)).toMatchObject({ detected: true });
    await expect(configs.apply({ userName: 'erin' }, proposal.changeId)).rejects.toThrow(/approv/i);
    expect(engine.status().assets[0]!.configVersion).toBe('cfg-press-7-1');
    await expect(configs.approve({ userName: 'erin' }, proposal.changeId)).rejects.toThrow(/Approve refused on press-7: the appro/);
    await configs.approve({ userName: 'eve' }, proposal.changeId, 'checked the backtest');
    const applied = await configs.apply({ userName: 'erin' }, proposal.changeId);
    expect(applied.versionId).toBe('cfg-press-7-2');
    expect(engine.status().assets[0]!.configVersion).toBe('cfg-press-7-2');
    expect(engine.protectionConfig(ASSET).groups.every((g) => g.danger === 1000)).toBe(true);

    // The same fault now alarms without tripping, and its incident names the version in force.
    await feed(10, 1);
    expect(engine.status().assets[0]).toMatchObject({ level: 'alert', trips: 1 });
    await feed(5);
    await store.writer.flush();
    const after = store.repo.listIncidents({ assetId: ASSET, limit: 20 }).filter((i) => !before.some((b) => b.id === i.id));
    expect(after.length).toBeGreaterThan(0);
    expect(new Set(after.map((i) => i.configVersion))).toEqual(new Set(['cfg-press-7-2']));
    const audit = accounts.audit.list({ limit: 100 }).filter((r) => r.action === 'setpoint.change').reverse().map((r) => [r.actor, r.outcome]);
    expect(audit).toEqual(expect.arrayContaining([['olga', 'refused'], ['erin', 'done'], ['eve', 'done']]));
    await engine.dispose();
    await store.close();

    // Restart on the same file: the approved version is in force before the first window.
    const again = openStore(path);
    const restarted = await console(again, t);
    expect(restarted.configs.start()).toMatchObject([{ assetId: ASSET, outcome: 'applied', versionId: 'cfg-press-7-2' }]);
    expect(restarted.engine.status().assets[0]!.configVersion).toBe('cfg-press-7-2');
    expect(restarted.engine.protectionConfig(ASSET).groups[0]!.danger).toBe(1000);
    await restarted.engine.dispose();
    await again.close();
  }, 120_000);
});
