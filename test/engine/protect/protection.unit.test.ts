import { describe, expect, it } from 'vitest';
import { handle, initialProtectionState, type ProtectionEvent, type ProtectionSetpoints, type ProtectionState } from '../../../engine/protect/protection';

const setpoints: ProtectionSetpoints = {
  score: { alert: 1, danger: 3, onDelayWindows: 1 },
  velocityMmS: { alert: 4.5, danger: 7.1, onDelayWindows: 0 },
};

/** Given a state, when windows arrive, then these events (WindowCounted omitted) and this final state. */
function run(windows: Array<[score: number | null, velocity: number]>, state: ProtectionState = initialProtectionState()) {
  const events: ProtectionEvent[] = [];
  windows.forEach(([score, velocityMmS], i) => {
    const r = handle(state, { type: 'EvaluateWindow', window: { atMs: i * 100, score, velocityMmS } }, setpoints);
    state = r.state;
    events.push(...r.events.filter((e) => e.type !== 'WindowCounted'));
  });
  return { state, events };
}

describe('protection decider', () => {
  it('holds an alert only after the on-delay and clears it when the score falls', () => {
    const { state, events } = run([[1.2, 1], [1.3, 1], [0.5, 1]]);
    expect(events).toEqual([
      { type: 'LevelChanged', atMs: 100, from: 'normal', to: 'alert', source: 'score', value: 1.3, setpoint: 1 },
      { type: 'LevelChanged', atMs: 200, from: 'alert', to: 'normal', source: 'score', value: 0.5, setpoint: 1 },
    ]);
    expect(state.level).toBe('normal');
  });

  it('a single spike shorter than the on-delay raises nothing', () => {
    expect(run([[5, 1], [0.2, 1], [5, 1], [0.2, 1]]).events).toEqual([]);
  });

  it('danger after its on-delay trips exactly once and latches until reset', () => {
    const { state, events } = run([[3.5, 1], [3.6, 1], [3.7, 1], [0.1, 1]]);
    expect(events).toEqual([
      { type: 'LevelChanged', atMs: 100, from: 'normal', to: 'danger', source: 'score', value: 3.6, setpoint: 3 },
      { type: 'TripDecided', atMs: 100, source: 'score', value: 3.6, setpoint: 3 },
    ]);
    expect(state).toMatchObject({ level: 'danger', latched: true, firstOut: 'score' });
    const reset = handle(state, { type: 'ResetLatch', atMs: 400 }, setpoints);
    expect(reset.events).toEqual([{ type: 'LatchReset', atMs: 400 }]);
    const after = run([[0.1, 1]], reset.state);
    expect(after.events).toEqual([{ type: 'LevelChanged', atMs: 0, from: 'danger', to: 'normal', source: 'score', value: 0.1, setpoint: 1 }]);
  });

  it('ISO velocity trips on its own while the model is still commissioning (score null)', () => {
    const { events, state } = run([[null, 2], [null, 8]]);
    expect(events).toEqual([
      { type: 'LevelChanged', atMs: 100, from: 'normal', to: 'danger', source: 'velocity', value: 8, setpoint: 7.1 },
      { type: 'TripDecided', atMs: 100, source: 'velocity', value: 8, setpoint: 7.1 },
    ]);
    expect(state.firstOut).toBe('velocity');
  });

  it('first-out stays with the setpoint that raised the alert when another escalates', () => {
    const { state } = run([[1.5, 1], [1.5, 1], [1.5, 8]]);
    expect(state.level).toBe('danger');
    expect(state.firstOut).toBe('score');
  });
});
