import { afterEach, describe, expect, it } from 'vitest';
import { RecordingActuator } from '../../../engine/actuate/actuator';
import { PlantStatusSchema, type AssetConfig, type EngineEvent } from '../../../engine/contract';
import { Engine } from '../../../engine/engine';
import { SeededUniform } from '../../../engine/learn/SeededUniform';
import { ProtectionConfigError } from '../../../engine/monitor/assetProtection';
import type { StoreOp } from '../../../engine/store/storeOps';
import { vectorAsset } from '../../support/vectorAsset';

/**
 * Voted protection in the live engine (the decider itself is tested in test/engine/protect): two
 * feature-vector channels, a learned score on each, and protection configured per asset.
 */

const ASSET = 'press-7';
const base: AssetConfig = vectorAsset({ assetId: ASSET, channels: { a: ['rms', 'kurtosis', 'crest', 'temp'], b: ['rms', 'kurtosis', 'crest', 'temp'] }, commissioningWindows: 60, learning: { enabled: false } });

const group = (id: string, voting: string, channels: string[], qualityPolicy = 'alarm-only', more: object = {}) => ({
  id,
  quantity: { kind: 'score' },
  alert: 1,
  danger: 3,
  onDelayMs: 1500,
  voting,
  channels,
  qualityPolicy,
  ...more,
});

/** A steady machine: four correlated features with noise; `fault` (0..1) raises kurtosis and crest; 'dead' is a sensor reading nothing. */
function machine(seed: number): (fault: number | 'dead') => Float32Array {
  const u = new SeededUniform(seed);
  const g = (): number => Math.sqrt(-2 * Math.log(1 - u.next())) * Math.cos(2 * Math.PI * u.next());
  return (fault) => {
    if (fault === 'dead') return Float32Array.from([0.001, 3, 4, 40]);
    const load = g();
    return Float32Array.from([1 + 0.05 * load + 0.01 * g(), 3 + 0.1 * g() + 4 * fault, 4 + 0.05 * load + 0.05 * g() + 3 * fault, 40 + 0.5 * load + 0.2 * g()]);
  };
}

type Step = { a?: number | 'dead' | null; b?: number | 'dead' | null };

interface Run {
  engine: Engine;
  events: EngineEvent[];
  ops: StoreOp[];
  /** Feeds one window per step to each channel named (null: the channel sends nothing). */
  feed: (steps: Step[]) => Promise<void>;
  /** Lets engine-clock time pass with no window (the host's status tick). */
  idle: (ms: number) => Promise<void>;
  of: <T extends EngineEvent['type']>(type: T) => Array<Extract<EngineEvent, { type: T }>>;
}

const open: Engine[] = [];
afterEach(async () => {
  for (const e of open.splice(0)) await e.dispose();
});

async function start(protection: unknown): Promise<Run> {
  const events: EngineEvent[] = [];
  const ops: StoreOp[] = [];
  let clockMs = 1_000_000;
  const engine = await Engine.create({ assets: [{ ...base, protection }], clock: () => clockMs, actuator: new RecordingActuator(() => clockMs), store: (op) => ops.push(op) });
  open.push(engine);
  engine.on((e) => events.push(e));
  const gen = { a: machine(1), b: machine(2) };
  const run: Run = {
    engine,
    events,
    ops,
    feed: async (steps) => {
      for (const s of steps) {
        clockMs += 1000;
        for (const ch of ['a', 'b'] as const) {
          const f = s[ch];
          if (f === null || f === undefined) continue;
          const r = engine.acceptVector({ assetId: ASSET, channelId: ch, atMs: clockMs, values: gen[ch](f) });
          if (!r.ok) throw new Error(`rejected: ${JSON.stringify(r)}`);
        }
        await engine.settle();
      }
    },
    idle: async (ms) => {
      clockMs += ms;
      engine.tick(clockMs);
      await engine.settle();
    },
    of: (type) => events.filter((e) => e.type === type) as never,
  };
  // Commission both channels on normal running.
  await run.feed(Array.from({ length: 60 }, () => ({ a: 0, b: 0 })));
  await engine.settle();
  if (engine.status().assets[0]!.phase !== 'monitoring') throw new Error('the asset did not commission');
  await run.feed(Array.from({ length: 5 }, () => ({ a: 0, b: 0 })));
  return run;
}

const both = (n: number, f: number): Step[] => Array.from({ length: n }, () => ({ a: f, b: f }));

describe('voted protection in the live engine', () => {
  it('given a 2oo2 score group, when one channel alone sees the fault then nothing trips; when both do, one trip names both channels; a reset is refused while danger holds and accepted once it clears', async () => {
    const run = await start({ groups: [group('score-vote', '2oo2', ['a', 'b'])] });
    await run.feed(Array.from({ length: 8 }, () => ({ a: 1, b: 0 })));
    expect(run.of('AlarmLevelChanged')).toEqual([]);
    expect(run.of('TripRequested')).toEqual([]);

    await run.feed(both(6, 1));
    const trips = run.of('TripRequested');
    expect(trips).toHaveLength(1);
    expect(trips[0]).toMatchObject({ groupId: 'score-vote', source: 'score', channelIds: ['a', 'b'], cause: 'setpoint', configVersion: 'built-in' });
    expect(run.of('ProtectionNotice').filter((n) => n.kind === 'first_out')).toHaveLength(1);
    expect(run.engine.status().assets[0]).toMatchObject({ level: 'danger', latched: true, firstOut: { groupId: 'score-vote' } });

    const refused = run.engine.resetLatch(ASSET, 'erin');
    expect(refused.ok).toBe(false);
    expect(refused.ok ? '' : refused.reason).toMatch(/danger condition still holds: score-vote/);
    expect(run.engine.status().assets[0]!.latched).toBe(true);

    await run.feed(both(3, 0));
    expect(run.engine.status().assets[0]).toMatchObject({ level: 'danger', latched: true });
    expect(run.engine.resetLatch(ASSET, 'erin')).toEqual({ ok: true });
    expect(run.engine.status().assets[0]).toMatchObject({ level: 'normal', latched: false, firstOut: null });
    expect(run.of('AlarmLevelChanged').at(-1)).toMatchObject({ from: 'danger', to: 'normal', cause: 'reset' });
    // The reset's level change records a real value (the group's latest reading), never NaN.
    expect(Number.isFinite(run.of('AlarmLevelChanged').at(-1)!.value)).toBe(true);
    expect(run.ops.filter((o) => o.kind === 'closeIncident')).toHaveLength(1);
  });

  it('given a bypass, when danger is reached then no trip goes out and the withheld trip is announced; when the bypass is removed while danger holds, it trips at once', async () => {
    const run = await start({ groups: [group('score-vote', '1oo2', ['a', 'b'])] });
    expect(run.engine.setBypass(ASSET, true, 'erin', 'sensor cabling work')).toBe(true);
    expect(run.engine.status().assets[0]!.bypass).toMatchObject({ by: 'erin', reason: 'sensor cabling work' });
    await run.feed(both(6, 1));
    expect(run.of('TripRequested')).toEqual([]);
    expect(run.engine.status().assets[0]).toMatchObject({ level: 'danger', latched: false });
    expect(run.of('ProtectionNotice').find((n) => n.kind === 'trip_suppressed_by_bypass')?.detail).toMatch(/trip NOT sent, bypassed by erin/);

    expect(run.engine.setBypass(ASSET, false, 'erin', 'cabling done')).toBe(true);
    expect(run.of('TripRequested')).toMatchObject([{ cause: 'bypass-removed', groupId: 'score-vote' }]);
    expect(run.engine.status().assets[0]).toMatchObject({ bypass: null, latched: true });
  });

  it('given a dead sensor, an alarm-only group raises a sensor fault and never trips, and a vote-as-tripped group trips after its on-delay with no further window', async () => {
    const run = await start({ groups: [group('score.a', '1oo1', ['a'], 'vote-as-tripped'), group('score.b', '1oo1', ['b'], 'alarm-only')] });
    await run.feed([{ a: 0, b: 'dead' }, { a: 0, b: 'dead' }, { a: 0, b: 'dead' }]);
    expect(run.of('ProtectionNotice').filter((n) => n.kind === 'sensor_fault')).toMatchObject([{ channelId: 'b' }]);
    await run.idle(5000);
    expect(run.of('TripRequested')).toEqual([]);

    // Channel a goes dead too and sends nothing more: the fail-safe group trips on the clock.
    await run.feed([{ a: 'dead', b: null }]);
    await run.idle(1000);
    expect(run.of('TripRequested')).toEqual([]);
    await run.idle(1000);
    const trips = run.of('TripRequested');
    expect(trips).toHaveLength(1);
    expect(trips[0]).toMatchObject({ groupId: 'score.a', faultedChannelIds: ['a'], channelIds: [] });
    expect(Number.isFinite(trips[0]!.value)).toBe(true);
  });

  it('given a managed change applied live, then the new levels decide from the next window, the version is carried by every event, and an invalid config is refused with the one in force kept', async () => {
    const run = await start({ groups: [group('score-vote', '1oo2', ['a', 'b'], 'alarm-only', { danger: 1000 })] });
    await run.feed(both(4, 0.3));
    const alerted = run.of('AlarmLevelChanged');
    expect(alerted.map((e) => e.to)).toEqual(['alert']);
    expect(run.of('TripRequested')).toEqual([]);

    const lower = { groups: [group('score-vote', '1oo2', ['a', 'b'], 'alarm-only', { danger: alerted[0]!.value * 0.9 })] };
    run.engine.applyProtection(ASSET, lower, 'cfg-press-7-2');
    expect(run.engine.status().assets[0]!.configVersion).toBe('cfg-press-7-2');
    await run.feed(both(3, 0.3));
    expect(run.of('TripRequested')).toMatchObject([{ configVersion: 'cfg-press-7-2', groupId: 'score-vote' }]);

    const invalid = { groups: [group('score-vote', '2oo2', ['a', 'nope'], 'alarm-only', { danger: 0.5 })] };
    expect(() => run.engine.applyProtection(ASSET, invalid, 'cfg-press-7-3')).toThrow(ProtectionConfigError);
    try {
      run.engine.applyProtection(ASSET, invalid, 'cfg-press-7-3');
    } catch (err) {
      expect((err as ProtectionConfigError).errors).toEqual(expect.arrayContaining([expect.stringMatching(/danger 0.5 is below alert 1/)]));
    }
    expect(() => run.engine.applyProtection(ASSET, { groups: [group('score-vote', '1oo1', ['nope'])] }, 'cfg-press-7-3')).toThrow(/has no channel 'nope'/);
    expect(run.engine.status().assets[0]).toMatchObject({ configVersion: 'cfg-press-7-2', latched: true });
    expect(run.engine.protectionConfig(ASSET).groups[0]!.danger).toBeCloseTo(alerted[0]!.value * 0.9, 6);
  });

  it('given a running asset, when an operator sends an emergency stop, then the command reaches the actuator at once with its latency, latches, is stored as an operator trip with its incident, and an engineer resets it', async () => {
    const run = await start({ groups: [group('score-vote', '1oo2', ['a', 'b'])] });
    const [receipt] = run.engine.emergencyStop(ASSET, 'olga', 'smoke at the coupling');
    expect(receipt).toMatchObject({ assetId: ASSET, actuator: expect.any(String) });
    expect(receipt!.latencyUs).toBeGreaterThan(0);
    expect(receipt!.latencyUs).toBeLessThan(20_000);
    expect(run.of('TripRequested')).toMatchObject([{ cause: 'operator', source: 'operator', by: 'olga', reason: 'smoke at the coupling', groupId: 'operator' }]);
    expect(run.engine.status().assets[0]).toMatchObject({ latched: true, level: 'danger', trips: 1, firstOut: { groupId: 'operator', value: null, setpoint: null } });
    // The status crosses process and network boundaries: it must satisfy its schema while stopped.
    expect(PlantStatusSchema.safeParse(JSON.parse(JSON.stringify(run.engine.status()))).success).toBe(true);
    expect(run.ops.filter((o) => o.kind === 'insertTrip')).toMatchObject([{ trip: { source: 'operator', value: 0, setpoint: 0 } }]);
    expect(run.ops.filter((o) => o.kind === 'openIncident')).toHaveLength(1);
    expect(run.engine.resetLatch(ASSET, 'erin')).toEqual({ ok: true });
    expect(run.engine.status().assets[0]).toMatchObject({ latched: false, level: 'normal' });
    // Every level change is stored with finite figures (the store refuses NaN).
    const stored = run.ops.filter((o) => o.kind === 'insertAlarmEvent').map((o) => (o.kind === 'insertAlarmEvent' ? o.event : null)!);
    expect(stored.map((e) => [e.from, e.to, e.cause, e.source])).toEqual([
      ['normal', 'danger', 'operator', 'operator'],
      ['danger', 'normal', 'reset', 'operator'],
    ]);
    expect(stored.every((e) => Number.isFinite(e.value) && Number.isFinite(e.setpoint))).toBe(true);
    expect(() => run.engine.emergencyStop('nope', 'olga', 'typo')).toThrow(/unknown asset nope/);
  });

  it('given an asset whose protection config is invalid, then the engine refuses to start with every problem named', async () => {
    const bad = { ...base, protection: { groups: [group('v', '2oo3', ['a', 'b'], 'alarm-only', { quantity: { kind: 'velocityMmS' } })] } };
    const err = await Engine.create({ assets: [bad], clock: () => 0, actuator: new RecordingActuator(() => 0) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtectionConfigError);
    const messages = (err as ProtectionConfigError).errors.join('\n');
    expect(messages).toMatch(/voting 2oo3 needs 3 channels but the group has 2/);
  });
});
