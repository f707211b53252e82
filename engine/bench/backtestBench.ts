import { backtest, type AssetHistory } from '../backtest/backtest';
import { SeededUniform } from '../learn/SeededUniform';
import { parseProtectionConfig, type ProtectionConfig } from '../protect/protectionConfig';

type Metrics = Record<string, number>;
const DAY_S = 86_400;

/**
 * A plant's stored history as the backtest reads it: 20 assets, 30 days of 1-second values (score
 * and ISO velocity on one channel each), healthy with noise, a few short excursions a day, and three
 * assets whose score climbs to a trip over their last days. Seeded, so every run backtests the same data.
 */
function plantHistory(assets: number, days: number, seed: number): { histories: AssetHistory[]; configs: Map<string, ProtectionConfig> } {
  const n = days * DAY_S;
  const u = new SeededUniform(seed);
  const histories: AssetHistory[] = [];
  const configs = new Map<string, ProtectionConfig>();
  for (let a = 0; a < assets; a++) {
    const score = new Float32Array(n);
    const velocityMmS = new Float32Array(n);
    const failing = a % 7 === 3;
    for (let i = 0; i < n; i++) {
      score[i] = 0.3 + 0.1 * (u.next() - 0.5);
      velocityMmS[i] = 2 + 0.4 * (u.next() - 0.5);
    }
    for (let k = 0; k < days * 3; k++) {
      const at = Math.floor(u.next() * (n - 60));
      for (let i = at; i < at + 20; i++) score[i] = 1.2;
    }
    if (failing) for (let i = n - 3 * DAY_S; i < n; i++) score[i] = score[i]! + (4 * (i - (n - 3 * DAY_S))) / (3 * DAY_S);
    const assetId = `asset-${a}`;
    histories.push({ assetId, startMs: 0, periodMs: 1000, channels: [{ channelId: 'de', score, velocityMmS }] });
    const cfg = parseProtectionConfig({
      assetId,
      groups: [
        { id: 'score', quantity: { kind: 'score' }, alert: 1, danger: 3, onDelayMs: 5000, offDelayMs: 10_000, deadband: 0.1, voting: '1oo1', channels: ['de'], qualityPolicy: 'ignore-channel' },
        { id: 'velocity', quantity: { kind: 'velocityMmS' }, alert: 4.5, danger: 7.1, onDelayMs: 2000, voting: '1oo1', channels: ['de'], qualityPolicy: 'ignore-channel' },
      ],
    });
    if (!cfg.ok) throw new Error(cfg.errors.join('; '));
    configs.set(assetId, cfg.value);
  }
  return { histories, configs };
}

/** `backtest.s_30d_20assets`: seconds to backtest 30 days of 1-second history for 20 assets (issue 4 target: < 2 s). */
export function backtestBench(m: Metrics, log: (l: string) => void): void {
  const { histories, configs } = plantHistory(20, 30, 4);
  const t0 = performance.now();
  const out = backtest(histories, configs);
  const s = (performance.now() - t0) / 1000;
  m['backtest.s_30d_20assets'] = Math.round(s * 100) / 100;
  m['backtest.windows_per_s'] = Math.round(out.windows / s);
  log(`backtest: ${out.windows} windows (20 assets × 30 days × 1 s) in ${s.toFixed(2)} s on one core: ${out.activations.length} activations, ${out.trips.length} trips`);
}
