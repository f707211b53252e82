import { describe, expect, it } from 'vitest';
import type { ChannelReading, EvaluateWindow } from '../../../engine/protect/protectionEvents';
import { initialProtectionV2State } from '../../../engine/protect/protectionState';
import { decideProtection, evolveProtection, handleProtection } from '../../../engine/protect/protectionV2';
import { givenPlan, velocityGroup } from './protectionV2Fixture';

/**
 * Windows decided per second on the steady path (no event), in its own file so that its worker
 * sees the one reading shape a real feed produces. The state is first driven through alarms, a trip,
 * a reset, a bypass and a sensor fault, so the rate is that of a state `evolve` has rebuilt, not of
 * a fresh one. Prints the rate; asserts only a loose bound, since CI machines are shared.
 */

/** Readings always built by this one literal, as a feed would. */
function reading(channelId: string, quality: ChannelReading['quality'], score: number | null, velocityMmS: number | null): ChannelReading {
  return { channelId, quality, score, velocityMmS, features: {} };
}

function windowOf(atMs: number, operatingState: EvaluateWindow['operatingState'], a: ChannelReading, b: ChannelReading): EvaluateWindow {
  return { type: 'EvaluateWindow', atMs, operatingState, channels: [a, b] };
}

describe('protection v2: cost per window', () => {
  it('given a steady machine after a history of alarms, when millions of windows are decided, then none emits an event and the rate is high', () => {
    const plan = givenPlan([
      velocityGroup({ voting: '1oo2', channels: ['a', 'b'], onDelayMs: 2000, offDelayMs: 1000, deadband: 0.2 }),
      velocityGroup({ id: 'score', quantity: { kind: 'score' }, alert: 1, danger: 3, channels: ['a'] }),
    ]);
    let state = initialProtectionV2State(plan);
    const history = [
      windowOf(0, 'startup', reading('a', 'good', null, 3), reading('b', 'good', null, 3)),
      windowOf(1000, 'running', reading('a', 'good', 0.5, 5), reading('b', 'bad', null, null)),
      windowOf(4000, 'running', reading('a', 'good', 4, 9), reading('b', 'good', null, 8)),
      windowOf(5000, 'running', reading('a', 'good', 0.2, 1), reading('b', 'good', null, 1)),
      windowOf(7000, 'running', reading('a', 'good', 0.2, 1), reading('b', 'good', null, 1)),
    ];
    for (let k = 0; k < 200; k++) {
      for (const w of history) state = handleProtection(state, w, plan).state;
      state = handleProtection(state, { type: 'ResetLatch', atMs: 8000, by: 'op' }, plan).state;
      state = handleProtection(state, { type: 'Bypass', atMs: 8000, by: 'op', reason: 'test' }, plan).state;
      state = handleProtection(state, { type: 'RemoveBypass', atMs: 8000, by: 'op' }, plan).state;
    }
    expect(state).toMatchObject({ level: 'normal', latched: false, bypass: null });

    const cmd = windowOf(0, 'running', reading('a', 'good', 0.4, 2.1), reading('b', 'good', null, 2.3));
    const n = 2_000_000;
    const rates: number[] = [];
    let emitted = 0;
    for (let rep = 0; rep < 5; rep++) {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        cmd.atMs = 10_000 + (rep * n + i) * 1000;
        const events = decideProtection(state, cmd, plan);
        for (let j = 0; j < events.length; j++) state = evolveProtection(state, events[j]!);
        emitted += events.length;
      }
      rates.push(n / ((performance.now() - t0) / 1000));
    }
    rates.sort((x, y) => x - y);
    const m = (r: number) => `${(r / 1e6).toFixed(1)} M`;
    console.log(`protection v2 steady path: best ${m(rates[4]!)}, median ${m(rates[2]!)} windows/s (2 groups, 2 channels, ${5 * n} windows, no event)`);
    expect(emitted).toBe(0);
    expect(rates[4]!).toBeGreaterThan(500_000);
  });
});
