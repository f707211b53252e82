import { describe, expect, it } from 'vitest';
import type { VotingMode } from '../../../engine/protect/voting';
import { givenPlan, only, run, velocityGroup, window, windows, type ReadingSpec } from './protectionV2Fixture';

const noEvidence = { faultedChannelIds: [], setpoint: 7.1, tripMultiply: 1 };

describe('protection v2: voting', () => {
  const cases: Array<{ mode: VotingMode; channels: string[]; met: Record<string, ReadingSpec>; voters: string[]; value: number; notMet: Record<string, ReadingSpec> }> = [
    { mode: '1oo1', channels: ['a'], met: { a: 8 }, voters: ['a'], value: 8, notMet: { a: 7 } },
    { mode: '1oo2', channels: ['a', 'b'], met: { a: 1, b: 9 }, voters: ['b'], value: 9, notMet: { a: 7, b: 7 } },
    { mode: '2oo2', channels: ['a', 'b'], met: { a: 8, b: 7.5 }, voters: ['a', 'b'], value: 7.5, notMet: { a: 20, b: 1 } },
    { mode: '2oo3', channels: ['a', 'b', 'c'], met: { a: 8, b: 1, c: 9 }, voters: ['a', 'c'], value: 8, notMet: { a: 20, b: 1, c: 1 } },
  ];
  for (const c of cases) {
    it(`given ${c.mode}, when enough channels reach danger, then a trip is decided in the same call`, () => {
      const plan = givenPlan([velocityGroup({ voting: c.mode, channels: c.channels })]);
      const { events, state } = run(plan, [window(1000, c.met)]);
      expect(only(events, 'TripDecided')).toEqual([
        { type: 'TripDecided', atMs: 1000, cause: 'setpoint', groupId: 'velocity', channelIds: c.voters, value: c.value, ...noEvidence },
      ]);
      expect(state).toMatchObject({ level: 'danger', latched: true });
    });
    it(`given ${c.mode}, when too few channels reach danger, then no trip`, () => {
      const plan = givenPlan([velocityGroup({ voting: c.mode, channels: c.channels })]);
      const { events, state } = run(plan, [window(1000, c.notMet)]);
      expect(only(events, 'TripDecided', 'TripSuppressedByBypass')).toEqual([]);
      expect(state.latched).toBe(false);
    });
  }
});

describe('protection v2: delays and deadband', () => {
  it('given a 2 s on-delay, when a level holds for 2 s of window time, then the level changes only then', () => {
    const plan = givenPlan([velocityGroup({ onDelayMs: 2000 })]);
    const { events } = run(plan, windows(0, [{ a: 5 }, { a: 5 }, { a: 5 }]));
    expect(events).toEqual([
      { type: 'SetpointPhaseChanged', atMs: 0, groupId: 'velocity', level: 'alert', from: 'off', to: 'pending-on' },
      { type: 'SetpointPhaseChanged', atMs: 2000, groupId: 'velocity', level: 'alert', from: 'pending-on', to: 'on' },
      { type: 'LevelChanged', atMs: 2000, from: 'normal', to: 'alert', cause: 'setpoint', bypassed: false, groupId: 'velocity', channelIds: ['a'], faultedChannelIds: [], value: 5, setpoint: 4.5, tripMultiply: 1 },
    ]);
  });

  it('given a 2 s on-delay, when a spike is shorter than it, then no level change', () => {
    const plan = givenPlan([velocityGroup({ onDelayMs: 2000 })]);
    const { events, state } = run(plan, windows(0, [{ a: 9 }, { a: 9 }, { a: 1 }, { a: 9 }]));
    expect(only(events, 'LevelChanged', 'TripDecided')).toEqual([]);
    expect(state.groups[0]!.danger).toEqual({ phase: 'pending-on', sinceMs: 3000 });
  });

  it('given a 2 s off-delay, when the value falls, then the level is released only after 2 s, and a return cancels the release', () => {
    const plan = givenPlan([velocityGroup({ offDelayMs: 2000 })]);
    const { events } = run(plan, windows(0, [{ a: 5 }, { a: 1 }, { a: 5 }, { a: 1 }, { a: 1 }, { a: 1 }]));
    expect(only(events, 'LevelChanged').map((e) => [e.atMs, e.from, e.to])).toEqual([
      [0, 'normal', 'alert'],
      [5000, 'alert', 'normal'],
    ]);
    expect(only(events, 'SetpointPhaseChanged').map((e) => [e.atMs, e.to])).toEqual([
      [0, 'on'],
      [1000, 'pending-off'],
      [2000, 'on'],
      [3000, 'pending-off'],
      [5000, 'off'],
    ]);
  });

  it('given a 0.5 mm/s deadband, when the value hovers around alert 4.5, then it clears only below 4.0 and re-alerts only at 4.5 (no chatter)', () => {
    const hover = [4.6, 4.3, 4.7, 4.2, 4.4, 4.1, 3.9, 4.4, 4.6].map((a) => ({ a }));
    const withDeadband = run(givenPlan([velocityGroup({ deadband: 0.5 })]), windows(0, hover));
    expect(only(withDeadband.events, 'LevelChanged').map((e) => [e.atMs, e.to, e.value])).toEqual([
      [0, 'alert', 4.6],
      [6000, 'normal', 3.9],
      [8000, 'alert', 4.6],
    ]);
    const without = run(givenPlan([velocityGroup()]), windows(0, hover));
    expect(only(without.events, 'LevelChanged')).toHaveLength(5);
  });
});

describe('protection v2: trip multiply', () => {
  it('given startup multiplies setpoints by 2, when velocity is 8 mm/s in startup, then no alarm; when running, then a trip', () => {
    const plan = givenPlan([velocityGroup()], { tripMultiply: { startup: 2 } });
    const { events } = run(plan, [window(0, { a: 8 }, 'startup'), window(1000, { a: 8 }, 'startup'), window(2000, { a: 8 }, 'running')]);
    expect(only(events, 'OperatingStateChanged', 'LevelChanged')).toEqual([
      { type: 'OperatingStateChanged', atMs: 0, from: 'running', to: 'startup', tripMultiply: 2 },
      { type: 'OperatingStateChanged', atMs: 2000, from: 'startup', to: 'running', tripMultiply: 1 },
      { type: 'LevelChanged', atMs: 2000, from: 'normal', to: 'danger', cause: 'setpoint', bypassed: false, groupId: 'velocity', channelIds: ['a'], value: 8, ...noEvidence },
    ]);
  });

  it('given startup ×2, when velocity exceeds the multiplied danger in startup, then the trip names the multiplied setpoint', () => {
    const plan = givenPlan([velocityGroup()], { tripMultiply: { startup: 2 } });
    const { events } = run(plan, [window(0, { a: 15 }, 'startup')]);
    expect(only(events, 'TripDecided')).toMatchObject([{ setpoint: 14.2, tripMultiply: 2, value: 15 }]);
  });

  it('given a group that is not trip-multiplied, when in startup, then its setpoints stay as configured', () => {
    const plan = givenPlan([velocityGroup({ tripMultiplied: false })], { tripMultiply: { startup: 3 } });
    expect(only(run(plan, [window(0, { a: 8 }, 'startup')]).events, 'TripDecided')).toMatchObject([{ setpoint: 7.1, tripMultiply: 1 }]);
  });
});

describe('protection v2: latch, reset, bypass, first-out', () => {
  it('given a latched trip, when reset while danger still holds, then refused with the reason; when it has cleared, then accepted', () => {
    const plan = givenPlan([velocityGroup()]);
    const tripped = run(plan, [window(0, { a: 8 }), window(1000, { a: 9 })]);
    expect(only(tripped.events, 'TripDecided')).toHaveLength(1);
    const refused = run(plan, [{ type: 'ResetLatch', atMs: 1500, by: 'op-1' }], tripped.state);
    expect(refused.events).toEqual([
      { type: 'ResetRefused', atMs: 1500, by: 'op-1', reason: 'danger condition still holds: velocity (at danger since 0 ms)', holding: [{ groupId: 'velocity', phase: 'on', sinceMs: 0 }] },
    ]);
    const cleared = run(plan, [window(2000, { a: 5 })], refused.state);
    expect(cleared.state).toMatchObject({ level: 'danger', latched: true });
    const reset = run(plan, [{ type: 'ResetLatch', atMs: 2500, by: 'op-1' }], cleared.state);
    expect(reset.events).toEqual([
      { type: 'LatchReset', atMs: 2500, by: 'op-1' },
      { type: 'LevelChanged', atMs: 2500, from: 'danger', to: 'alert', cause: 'reset', bypassed: false, groupId: 'velocity', channelIds: [], faultedChannelIds: [], value: Number.NaN, setpoint: 7.1, tripMultiply: 1 },
    ]);
    expect(reset.state).toMatchObject({ level: 'alert', latched: false, firstOut: null });
  });

  it('given nothing latched, when reset, then refused saying so', () => {
    const plan = givenPlan([velocityGroup()]);
    expect(run(plan, [{ type: 'ResetLatch', atMs: 0, by: 'op-1' }]).events).toEqual([{ type: 'ResetRefused', atMs: 0, by: 'op-1', reason: 'nothing is latched', holding: [] }]);
  });

  it('given a bypass, when danger is reached, then no trip, an event says one would have been issued, and the indicator shows', () => {
    const plan = givenPlan([velocityGroup()]);
    const { events, state } = run(plan, [{ type: 'Bypass', atMs: 0, by: 'tech-7', reason: 'replacing sensor a' }, window(1000, { a: 8 })]);
    expect(events).toEqual([
      { type: 'Bypassed', atMs: 0, by: 'tech-7', reason: 'replacing sensor a' },
      { type: 'SetpointPhaseChanged', atMs: 1000, groupId: 'velocity', level: 'alert', from: 'off', to: 'on' },
      { type: 'SetpointPhaseChanged', atMs: 1000, groupId: 'velocity', level: 'danger', from: 'off', to: 'on' },
      { type: 'LevelChanged', atMs: 1000, from: 'normal', to: 'danger', cause: 'setpoint', bypassed: true, groupId: 'velocity', channelIds: ['a'], value: 8, ...noEvidence },
      { type: 'FirstOutRecorded', atMs: 1000, simultaneous: [], groupId: 'velocity', channelIds: ['a'], value: 8, ...noEvidence },
      { type: 'TripSuppressedByBypass', atMs: 1000, bypassedBy: 'tech-7', bypassReason: 'replacing sensor a', groupId: 'velocity', channelIds: ['a'], value: 8, ...noEvidence },
    ]);
    expect(state).toMatchObject({ level: 'danger', latched: false, bypass: { by: 'tech-7', reason: 'replacing sensor a', sinceMs: 0 } });
  });

  it('given a bypassed asset at danger, when the bypass is removed, then the held danger trips at once', () => {
    const plan = givenPlan([velocityGroup()]);
    const { events, state } = run(plan, [{ type: 'Bypass', atMs: 0, by: 'tech-7', reason: 'test' }, window(1000, { a: 8 }), { type: 'RemoveBypass', atMs: 2000, by: 'tech-7' }]);
    expect(events.slice(-2)).toEqual([
      { type: 'BypassRemoved', atMs: 2000, by: 'tech-7', bypassedSinceMs: 0 },
      { type: 'TripDecided', atMs: 2000, cause: 'bypass-removed', groupId: 'velocity', channelIds: ['a'], value: 8, ...noEvidence },
    ]);
    expect(state).toMatchObject({ latched: true, bypass: null });
  });

  it('given a bypassed danger that cleared, when the bypass is removed, then no trip', () => {
    const plan = givenPlan([velocityGroup()]);
    const r = run(plan, [{ type: 'Bypass', atMs: 0, by: 't', reason: 'r' }, window(1000, { a: 8 }), window(2000, { a: 1 }), { type: 'RemoveBypass', atMs: 3000, by: 't' }]);
    expect(only(r.events, 'TripDecided')).toEqual([]);
    expect(r.state).toMatchObject({ level: 'normal', firstOut: null, bypass: null });
  });

  it('given a normal asset, when an operator sends an emergency stop, then it goes to danger with the stop as first-out, trips at once and latches; later windows change nothing; a reset returns it to normal', () => {
    const plan = givenPlan([velocityGroup()]);
    const stop = { type: 'OperatorTrip', atMs: 500, by: 'olga', reason: 'smoke at the coupling' } as const;
    const { events, state } = run(plan, [window(0, { a: 1 }), stop, window(1000, { a: 1 }), { type: 'ResetLatch', atMs: 2000, by: 'erin' }]);
    const evidence = { groupId: 'operator', channelIds: [], faultedChannelIds: [], value: Number.NaN, setpoint: Number.NaN, tripMultiply: 1 };
    expect(events).toEqual([
      { type: 'LevelChanged', atMs: 500, from: 'normal', to: 'danger', cause: 'operator', bypassed: false, ...evidence },
      { type: 'FirstOutRecorded', atMs: 500, simultaneous: [], ...evidence },
      { type: 'TripDecided', atMs: 500, cause: 'operator', ...evidence },
      { type: 'LatchReset', atMs: 2000, by: 'erin' },
      { type: 'LevelChanged', atMs: 2000, from: 'danger', to: 'normal', cause: 'reset', bypassed: false, ...evidence },
    ]);
    expect(state).toMatchObject({ level: 'normal', latched: false, firstOut: null });
  });

  it('given a latched or bypassed asset, when an operator sends an emergency stop, then it is decided all the same: a bypass never withholds a person\'s stop', () => {
    const plan = givenPlan([velocityGroup()]);
    const stop = (atMs: number) => ({ type: 'OperatorTrip', atMs, by: 'olga', reason: 'again' }) as const;
    const r = run(plan, [{ type: 'Bypass', atMs: 0, by: 'tech-7', reason: 'sensor work' }, stop(100), stop(200)]);
    expect(only(r.events, 'TripDecided').map((e) => [e.atMs, e.cause])).toEqual([
      [100, 'operator'],
      [200, 'operator'],
    ]);
    expect(r.state).toMatchObject({ latched: true, bypass: { by: 'tech-7' } });
  });

  it('given an asset taken over from an engine that tripped it, when the latch is adopted, then it is at danger and latched without a trip decision, a second adoption changes nothing, and a reset releases it', () => {
    const plan = givenPlan([velocityGroup()]);
    const adopt = (atMs: number) => ({ type: 'AdoptLatch', atMs, from: 'engine-a', commandId: 'trip-42', reason: 'velocity 9.1 mm/s ≥ danger 7.1' }) as const;
    const r = run(plan, [window(0, { a: 1 }), adopt(100), adopt(200), window(300, { a: 1 }), { type: 'ResetLatch', atMs: 400, by: 'erin' }]);
    const evidence = { groupId: 'taken-over', channelIds: [], faultedChannelIds: [], value: Number.NaN, setpoint: Number.NaN, tripMultiply: 1 };
    expect(r.events).toEqual([
      { type: 'LevelChanged', atMs: 100, from: 'normal', to: 'danger', cause: 'adopted', bypassed: false, ...evidence },
      { type: 'FirstOutRecorded', atMs: 100, simultaneous: [], ...evidence },
      { type: 'LatchAdopted', atMs: 100, from: 'engine-a', commandId: 'trip-42', reason: 'velocity 9.1 mm/s ≥ danger 7.1' },
      { type: 'LatchReset', atMs: 400, by: 'erin' },
      { type: 'LevelChanged', atMs: 400, from: 'danger', to: 'normal', cause: 'reset', bypassed: false, ...evidence },
    ]);
    expect(only(r.events, 'TripDecided')).toEqual([]);
    expect(r.state).toMatchObject({ latched: false, level: 'normal', firstOut: null });
    expect(run(plan, [adopt(100)]).state).toMatchObject({ latched: true, level: 'danger' });
  });

  it('given two groups, when one alerts first but the other reaches danger first, then first-out is the danger one and stays', () => {
    const plan = givenPlan([
      velocityGroup(),
      velocityGroup({ id: 'impacts', quantity: { kind: 'feature', name: 'kurtosis' }, alert: 4, danger: 8, channels: ['a'] }),
    ]);
    const k = (kurtosis: number, velocityMmS: number): ReadingSpec => ({ velocityMmS, features: { kurtosis } });
    const { events, state } = run(plan, windows(0, [{ a: k(1, 5) }, { a: k(9, 5) }, { a: k(9, 9) }]));
    expect(only(events, 'FirstOutRecorded')).toEqual([
      { type: 'FirstOutRecorded', atMs: 1000, simultaneous: [], groupId: 'impacts', channelIds: ['a'], faultedChannelIds: [], value: 9, setpoint: 8, tripMultiply: 1 },
    ]);
    expect(state.firstOut).toMatchObject({ groupId: 'impacts', atMs: 1000 });
  });

  it('given two groups reaching danger in the same window, then config order takes first-out and the other is listed', () => {
    const plan = givenPlan([velocityGroup(), velocityGroup({ id: 'impacts', quantity: { kind: 'feature', name: 'kurtosis' }, alert: 4, danger: 8 })]);
    const { events } = run(plan, [window(0, { a: { velocityMmS: 9, features: { kurtosis: 9 } } })]);
    expect(only(events, 'FirstOutRecorded')).toMatchObject([{ groupId: 'velocity', simultaneous: ['impacts'] }]);
  });
});

describe('protection v2: sensor quality policies', () => {
  it('given ignore-channel 2oo3, when c goes bad, then the fault and the degraded vote are events, and 2 good channels still trip', () => {
    const plan = givenPlan([velocityGroup({ voting: '2oo3', channels: ['a', 'b', 'c'] })]);
    const bad = { quality: 'bad' as const, velocityMmS: 30 };
    const { events } = run(plan, [window(0, { a: 1, b: 1, c: bad }), window(1000, { a: 8, b: 1, c: bad }), window(2000, { a: 8, b: 8, c: bad })]);
    expect(events.slice(0, 2)).toEqual([
      { type: 'SensorFaultRaised', atMs: 0, channelId: 'c', quality: 'bad', groups: [{ groupId: 'velocity', policy: 'ignore-channel' }] },
      {
        type: 'VoteDegraded',
        atMs: 0,
        groupId: 'velocity',
        voting: '2oo3',
        policy: 'ignore-channel',
        channels: [{ channelId: 'a', status: 'ok' }, { channelId: 'b', status: 'ok' }, { channelId: 'c', status: 'bad' }],
        votesNeeded: 2,
        channelsCounted: 2,
        note: 'velocity 2oo3: c bad; voting 2oo2 over the remaining good channels',
      },
    ]);
    expect(only(events, 'TripDecided')).toMatchObject([{ atMs: 2000, channelIds: ['a', 'b'], faultedChannelIds: [] }]);
  });

  it('given ignore-channel 2oo2, when b is missing from the window, then it is stale and the vote becomes 1oo1', () => {
    const plan = givenPlan([velocityGroup({ voting: '2oo2', channels: ['a', 'b'] })]);
    const { events } = run(plan, [window(0, { a: 8 })]);
    expect(only(events, 'SensorFaultRaised', 'VoteDegraded', 'TripDecided')).toMatchObject([
      { type: 'SensorFaultRaised', channelId: 'b', quality: 'stale' },
      { type: 'VoteDegraded', votesNeeded: 1, channelsCounted: 1, note: 'velocity 2oo2: b stale; voting 1oo1 over the remaining good channels' },
      { type: 'TripDecided', channelIds: ['a'], value: 8 },
    ]);
  });

  it('given ignore-channel 1oo1, when its only channel is stale, then an event says the group cannot alarm or trip', () => {
    const plan = givenPlan([velocityGroup()]);
    const { events } = run(plan, [window(0, { a: { quality: 'stale', velocityMmS: 9 } })]);
    expect(only(events, 'VoteDegraded')).toMatchObject([{ votesNeeded: null, channelsCounted: 0, note: 'velocity 1oo1: a stale; no channel can vote, the group cannot alarm or trip' }]);
    expect(only(events, 'LevelChanged', 'TripDecided')).toEqual([]);
  });

  it('given vote-as-tripped 1oo1, when the channel goes bad, then it trips at once and the trip names the faulted channel', () => {
    const plan = givenPlan([velocityGroup({ qualityPolicy: 'vote-as-tripped' })]);
    const { events } = run(plan, [window(0, { a: { quality: 'bad', velocityMmS: 0 } })]);
    expect(only(events, 'TripDecided')).toEqual([
      { type: 'TripDecided', atMs: 0, cause: 'setpoint', groupId: 'velocity', channelIds: [], faultedChannelIds: ['a'], value: Number.NaN, setpoint: 7.1, tripMultiply: 1 },
    ]);
    expect(only(events, 'VoteDegraded')).toMatchObject([{ note: 'velocity 1oo1: a bad; faulted channels vote tripped (fail-safe), 1 of 1 votes already cast' }]);
  });

  it('given vote-as-tripped 2oo3 with c bad, when only a reaches danger, then the bad channel makes the second vote', () => {
    const plan = givenPlan([velocityGroup({ voting: '2oo3', channels: ['a', 'b', 'c'], qualityPolicy: 'vote-as-tripped' })]);
    const { events } = run(plan, [window(0, { a: 8, b: 1, c: { quality: 'bad' } })]);
    expect(only(events, 'TripDecided')).toMatchObject([{ channelIds: ['a'], faultedChannelIds: ['c'], value: 8 }]);
  });

  it('given vote-as-tripped, when a good channel reports a non-finite value, then it is a fault, never a silent miss', () => {
    const plan = givenPlan([velocityGroup({ qualityPolicy: 'vote-as-tripped' })]);
    const { events } = run(plan, [window(0, { a: Number.NaN })]);
    expect(only(events, 'VoteDegraded', 'TripDecided')).toMatchObject([
      { type: 'VoteDegraded', channels: [{ channelId: 'a', status: 'non-finite' }] },
      { type: 'TripDecided', faultedChannelIds: ['a'] },
    ]);
  });

  it('given alarm-only 2oo2, when b goes bad, then a sensor fault is raised, the vote says it cannot trip, and it does not', () => {
    const plan = givenPlan([velocityGroup({ voting: '2oo2', channels: ['a', 'b'], qualityPolicy: 'alarm-only' })]);
    const bad = run(plan, [window(0, { a: 20, b: { quality: 'bad', velocityMmS: 20 } })]);
    expect(bad.events).toMatchObject([
      { type: 'SensorFaultRaised', channelId: 'b', quality: 'bad', groups: [{ groupId: 'velocity', policy: 'alarm-only' }] },
      { type: 'VoteDegraded', votesNeeded: 2, channelsCounted: 2, note: 'velocity 2oo2: b bad; faulted channels vote normal (alarm only): the group cannot trip until a sensor returns' },
    ]);
    expect(bad.events).toHaveLength(2);
    const back = run(plan, [window(1000, { a: 20, b: 20 })], bad.state);
    expect(back.events.slice(0, 2)).toEqual([
      { type: 'SensorFaultCleared', atMs: 1000, channelId: 'b', from: 'bad' },
      { type: 'VoteRestored', atMs: 1000, groupId: 'velocity', voting: '2oo2' },
    ]);
    expect(only(back.events, 'TripDecided')).toHaveLength(1);
  });

  it('given a score group that is vote-as-tripped, when the model is still commissioning (score null), then no trip: unmeasured is not a fault', () => {
    const plan = givenPlan([velocityGroup({ id: 'score', quantity: { kind: 'score' }, alert: 1, danger: 3, qualityPolicy: 'vote-as-tripped' })]);
    const { events } = run(plan, [window(0, { a: { score: null } }), window(1000, { a: { score: null } })]);
    expect(events).toEqual([
      {
        type: 'VoteDegraded',
        atMs: 0,
        groupId: 'score',
        voting: '1oo1',
        policy: 'vote-as-tripped',
        channels: [{ channelId: 'a', status: 'unmeasured' }],
        votesNeeded: null,
        channelsCounted: 0,
        note: 'score 1oo1: a unmeasured; no channel can vote, the group cannot alarm or trip',
      },
    ]);
  });
});
