import { describe, expect, it } from 'vitest';
import { backtest, compareConfigurations, type AssetHistory } from '../../../engine/backtest/backtest';
import { parseProtectionConfig, type ProtectionConfig } from '../../../engine/protect/protectionConfig';

const S = 1000;
function config(alert: number, danger: number, onDelayMs = 0): ProtectionConfig {
  const r = parseProtectionConfig({ assetId: 'p1', groups: [{ id: 'score', quantity: { kind: 'score' }, alert, danger, onDelayMs, voting: '1oo1', channels: ['a'], qualityPolicy: 'ignore-channel' }] });
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.value;
}

/** One hour of 1-second history: score 0.3, a 20 s excursion to 1.5 at 10 min, a fault climbing to 4 from 40 min (alert at 2628 s, danger at 3276 s). */
function history(): AssetHistory {
  const n = 3600;
  const score = new Float32Array(n).fill(0.3);
  const velocityMmS = new Float32Array(n).fill(Number.NaN);
  for (let i = 600; i < 620; i++) score[i] = 1.5;
  for (let i = 2400; i < n; i++) score[i] = 0.3 + (3.7 * (i - 2400)) / 1200;
  return { assetId: 'p1', startMs: 0, periodMs: S, channels: [{ channelId: 'a', score, velocityMmS }] };
}

describe('threshold backtest (same decider as live)', () => {
  it('given an hour of history, the current setpoints alarm on the excursion and on the fault, trip, and lead the incident by the time the fault took to grow', () => {
    const out = backtest([history()], new Map([['p1', config(1, 3)]]), [{ id: 'inc-1', assetId: 'p1', atMs: 3599 * S }]);
    expect(out.windows).toBe(3600);
    expect(out.activations.map((a) => [a.alarmKey, a.activatedMs / S, a.clearedMs === null ? null : a.clearedMs / S])).toEqual([
      ['level.alert', 600, 620],
      ['level.alert', 2628, 3276],
      ['level.danger', 3276, null],
    ]);
    expect(out.trips).toEqual([{ assetId: 'p1', atMs: 3276 * S, groupId: 'score' }]);
    expect(out.detections).toEqual([{ incidentId: 'inc-1', detected: true, leadMs: (3599 - 600) * S }]);
    expect(out.kpis.activations).toBe(3);
  });

  it('given a proposal with a 30 s on-delay, then beside the current configuration the short excursion no longer alarms and the fault still does', () => {
    const { current, proposed } = compareConfigurations([history()], new Map([['p1', config(1, 3)]]), new Map([['p1', config(1, 3, 30 * S)]]));
    expect(current.activations.length).toBe(3);
    expect(proposed.activations.map((a) => [a.alarmKey, a.activatedMs / S])).toEqual([
      ['level.alert', 2658],
      ['level.danger', 3306],
    ]);
    expect(proposed.trips.length).toBe(1);
  });

  it('refuses an asset without a configuration', () => {
    expect(() => backtest([history()], new Map())).toThrow(/no protection configuration for asset p1/);
  });
});

describe('backtest quiet-window skipping', () => {
  it('gives exactly the result of deciding every window, on noisy seeded history with excursions, faults, gaps and two channels', async () => {
    const { SeededUniform } = await import('../../../engine/learn/SeededUniform');
    const u = new SeededUniform(77);
    const n = 50_000;
    const make = (): { score: Float32Array; velocityMmS: Float32Array } => {
      const score = new Float32Array(n);
      const velocityMmS = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        score[i] = 0.3 + 0.6 * u.next() ** 4 + (i % 9000 > 8950 ? 3 : 0);
        velocityMmS[i] = i % 13_000 < 200 ? Number.NaN : 2 + 5 * u.next() ** 8;
        if (i % 17_000 === 5) for (let k = 0; k < 30; k++) score[i + k] = Number.NaN;
      }
      return { score, velocityMmS };
    };
    const h: AssetHistory = { assetId: 'p1', startMs: 0, periodMs: S, channels: [{ channelId: 'a', ...make() }, { channelId: 'b', ...make() }] };
    const r = parseProtectionConfig({
      assetId: 'p1',
      groups: [
        { id: 'score', quantity: { kind: 'score' }, alert: 1, danger: 3, onDelayMs: 3000, offDelayMs: 5000, deadband: 0.1, voting: '1oo2', channels: ['a', 'b'], qualityPolicy: 'ignore-channel' },
        { id: 'velocity', quantity: { kind: 'velocityMmS' }, alert: 4.5, danger: 7.1, onDelayMs: 2000, voting: '2oo2', channels: ['a', 'b'], qualityPolicy: 'ignore-channel' },
      ],
    });
    if (!r.ok) throw new Error(r.errors.join('; '));
    const configs = new Map([['p1', r.value]]);
    const fast = backtest([h], configs, [{ id: 'i', assetId: 'p1', atMs: 40_000 * S }]);
    const full = backtest([h], configs, [{ id: 'i', assetId: 'p1', atMs: 40_000 * S }], { exhaustive: true });
    expect(fast.activations.length).toBeGreaterThanOrEqual(5);
    expect(fast.trips.length).toBeGreaterThan(0);
    expect(fast).toEqual(full);
  });
});
