import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backtest } from '../../../engine/backtest/backtest';
import { DEMO_CHANNEL_ID } from '../../../engine/ingest/demoMachines';
import { parseProtectionConfig } from '../../../engine/protect/protectionConfig';
import { startDemoConsole } from '../../../engine/service/demoConsole';
import { openStore } from '../../../engine/store/openStore';

const dir = mkdtempSync(join(tmpdir(), 'vigil-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('demo console keeps the 1-second history the backtest reads', () => {
  it('given the demo plant running for a while, then each scored channel has 1-second history in the store and a backtest runs over it', async () => {
    const db = join(dir, 'demo.sqlite');
    const startMs = Date.now();
    const c = await startDemoConsole({ dbPath: db, statusIntervalMs: 200 });
    await new Promise((r) => setTimeout(r, 18_000));
    expect(c.board.rows()).toEqual([]); // a healthy plant: nothing on the alarm list yet
    // Every asset runs its stored protection configuration (version 1, the built-in one, stored at first start).
    expect(c.engine.status().assets.map((a) => a.configVersion)).toEqual(c.engine.assetIds().map((id) => `cfg-${id}-1`));
    // A proposal is backtested over what the console recorded, in the backtest thread.
    await c.accounts.createFirstAdmin('ada', 'correct horse battery');
    await c.accounts.createUser({ userName: 'ada' }, { userName: 'erin', role: 'engineer', secretKind: 'password', secret: 'bearing-grease-42' });
    await c.store.writer.flush();
    const current = c.engine.protectionConfig('pump-101');
    const proposal = await c.configs.propose({ userName: 'erin' }, 'pump-101', { ...current, groups: current.groups.map((g) => ({ ...g, alert: g.alert * 1.2 })) }, 'fewer alerts on start-up');
    expect(proposal.backtest!.windows).toBeGreaterThan(2);
    expect(proposal.backtest!.current.activations).toBe(0);
    await c.stop();
    const store = openStore(db);
    try {
      const h = store.repo.history.load('pump-101', [DEMO_CHANNEL_ID], startMs, Date.now() + 1000);
      const scored = Array.from(h.channels[0]!.score).filter((s) => Number.isFinite(s));
      expect(scored.length).toBeGreaterThan(2);
      expect(Math.max(...scored)).toBeLessThan(1);
      const cfg = parseProtectionConfig({ assetId: 'pump-101', groups: [{ id: 'score', quantity: { kind: 'score' }, alert: 1, danger: 3, onDelayMs: 2000, voting: '1oo1', channels: [DEMO_CHANNEL_ID], qualityPolicy: 'ignore-channel' }] });
      if (!cfg.ok) throw new Error(cfg.errors.join('; '));
      const out = backtest([h], new Map([['pump-101', cfg.value]]));
      expect(out.windows).toBe(h.channels[0]!.score.length);
      expect(out.activations).toEqual([]);
    } finally {
      await store.close();
    }
  }, 60_000);
});
