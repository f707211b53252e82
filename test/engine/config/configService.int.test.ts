import { afterEach, describe, expect, it } from 'vitest';
import { Accounts } from '../../../engine/auth/Accounts';
import { UnauthorisedError } from '../../../engine/auth/authorizeAndAudit';
import { ConfigChangeError, ConfigService, type ConfigServiceOptions, type ProtectionTarget } from '../../../engine/config/ConfigService';
import { parseProtectionConfig, type ProtectionConfig, type SetpointGroupInput } from '../../../engine/protect/protectionConfig';
import { compileProtectionPlan, type ProtectionPlan } from '../../../engine/protect/protectionPlan';
import type { AuditRecord } from '../../../engine/store/AuditTrail';
import type { FeatureHistoryRow } from '../../../engine/store/records';
import { openStore, type Store } from '../../../engine/store/openStore';
import { assetConfig, tempDirs } from '../store/fixtures';

const tmp = tempDirs();
const open: Store[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  tmp.cleanup();
});

const H = 3_600_000;
const T0 = 1_700_000_000_000;
const ERIN = { userName: 'erin' };
const BOB = { userName: 'bob' };
const OLGA = { userName: 'olga' };

const velocity = (over: Partial<SetpointGroupInput> = {}): SetpointGroupInput => ({
  id: 'velocity', quantity: { kind: 'velocityMmS' }, alert: 4.5, danger: 7.1, onDelayMs: 10_000, voting: '1oo1', channels: ['de'], qualityPolicy: 'ignore-channel', ...over,
});
const configInput = (over: Partial<SetpointGroupInput> = {}) => ({ assetId: 'pump-1', groups: [velocity(over)] });
function parsed(input: unknown): ProtectionConfig {
  const r = parseProtectionConfig(input);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.value;
}
const BUILT_IN = parsed(configInput());

/** The engine's side, in miniature: configs per asset, each compiled to a plan to prove it runs. */
class MapTarget implements ProtectionTarget {
  readonly inForce = new Map<string, { config: ProtectionConfig; version: string | null; plan: ProtectionPlan }>();
  /** Why the engine would refuse a config (e.g. it cannot stream a channel), or null to accept it. */
  refuse: (config: ProtectionConfig) => string | null = () => null;
  constructor(...builtIns: ProtectionConfig[]) {
    for (const c of builtIns) this.inForce.set(c.assetId, { config: c, version: null, plan: compileProtectionPlan(c) });
  }
  assetIds(): string[] {
    return [...this.inForce.keys()];
  }
  protectionConfig(assetId: string): ProtectionConfig {
    const e = this.inForce.get(assetId);
    if (!e) throw new Error(`unknown asset ${assetId}`);
    return e.config;
  }
  applyProtection(assetId: string, config: ProtectionConfig, configVersion: string): void {
    if (!this.inForce.has(assetId)) throw new Error(`unknown asset ${assetId}`);
    const refusal = this.refuse(config);
    if (refusal) throw new Error(refusal);
    this.inForce.set(assetId, { config, version: configVersion, plan: compileProtectionPlan(config) });
  }
  channelIds(): string[] {
    return ['de', 'nde'];
  }
  running(assetId = 'pump-1'): { version: string | null; alert: number | undefined } {
    const e = this.inForce.get(assetId)!;
    return { version: e.version, alert: e.plan.groups[0]?.alertLevel[0] };
  }
}

/** A store file with pump-1, its users (ana admin; erin, bob engineers; olga operator), and a clock. */
async function setUp(path = tmp.path()) {
  const store = openStore(path);
  open.push(store);
  const clock = { t: T0 };
  const accounts = new Accounts(store.db, { nowMs: () => clock.t });
  store.repo.upsertAsset(assetConfig('pump-1'), T0);
  if (accounts.needsFirstRunSetup()) {
    await accounts.createFirstAdmin('ana', 'correct horse battery');
    for (const [userName, role] of [['erin', 'engineer'], ['bob', 'engineer'], ['olga', 'operator']] as const) {
      await accounts.createUser({ userName: 'ana' }, { userName, role, secretKind: 'password', secret: 'vibration-engineer-2024' });
    }
  }
  const target = new MapTarget(BUILT_IN);
  const service = (over: Partial<ConfigServiceOptions> = {}) =>
    new ConfigService({ repo: store.repo, authority: accounts, target, clock: () => clock.t, backtestWindowMs: 6 * H, ...over });
  return { store, accounts, clock, target, service };
}

/** Audit rows about configuration changes, oldest first, as [actor, outcome, reason, refusal]. */
function audit(accounts: Accounts): Array<[string, string, string | null, string | null]> {
  return accounts.audit
    .list({ action: 'setpoint.change', limit: 1000 })
    .reverse()
    .map((r: AuditRecord) => [r.actor, r.outcome, r.reason, r.refusal]);
}

/** Hours of 1-s history on channel de: 2 mm/s, with a 2-minute excursion to 5.5 mm/s starting at `excursionMs`. */
function writeHistory(store: Store, fromMs: number, hours: number, excursionMs: number): void {
  const rows: FeatureHistoryRow[] = [];
  for (let tS = fromMs / 1000; tS < fromMs / 1000 + hours * 3600; tS++) {
    const inExcursion = tS * 1000 >= excursionMs && tS * 1000 < excursionMs + 120_000;
    rows.push({ assetId: 'pump-1', channelId: 'de', tS, score: 0.2, velocityMmS: inExcursion ? 5.5 : 2 });
  }
  store.repo.transaction(() => store.repo.history.append(rows));
}

describe('managed changes of protection configs: stored versions, backtest, roles, audit', () => {
  it('given a fresh store, when started, then the built-in configuration is stored as version 1 by system and put in force', async () => {
    const { target, service, accounts, store } = await setUp();
    expect(service().start()).toEqual([{ assetId: 'pump-1', outcome: 'stored-initial', versionId: 'cfg-pump-1-1' }]);
    expect(target.running()).toEqual({ version: 'cfg-pump-1-1', alert: 4.5 });
    expect(store.repo.configs.latest('pump-1')).toMatchObject({ seq: 1, config: BUILT_IN, createdBy: 'system', reason: 'initial configuration', createdMs: T0 });
    expect(audit(accounts)).toEqual([['system', 'done', 'initial configuration', null]]);
  });

  it('given three hours of history with a 2-minute excursion to 5.5 mm/s, when an engineer proposes alert 6 mm/s, then the backtest shows the current config catches it and the proposal misses it', async () => {
    const { store, clock, service } = await setUp();
    const excursionMs = T0 - 2 * H;
    writeHistory(store, T0 - 3 * H, 3, excursionMs);
    store.repo.openIncident({ id: 'inc-1', assetId: 'pump-1', openedMs: excursionMs + 5 * 60_000, modelVersion: 'm-1' });
    const configs = service({ backtestWindowMs: undefined }); // the default: the last 30 days
    configs.start();
    clock.t += 1000;
    const p = await configs.propose(ERIN, 'pump-1', configInput({ alert: 6 }), 'fewer nuisance alarms during product changes');
    expect(p).toMatchObject({ changeId: 'chg-pump-1-1', baseVersionId: 'cfg-pump-1-1', by: 'erin', requiresApproval: true, approvedBy: null, config: parsed(configInput({ alert: 6 })) });
    expect(p.backtest).toMatchObject({ fromMs: T0 - 3 * H, toMs: T0, windows: 3 * 3600, channelIds: ['de'], incidents: 1 });
    expect(p.backtest!.current).toMatchObject({ alertActivations: 1, dangerActivations: 0, trips: 0, detections: [{ incidentId: 'inc-1', detected: true, leadMs: 5 * 60_000 - 10_000 }] });
    expect(p.backtest!.proposed).toMatchObject({ activations: 0, trips: 0, detections: [{ incidentId: 'inc-1', detected: false, leadMs: null }] });
    expect(configs.pending('pump-1')).toEqual(p);
    expect(store.repo.configs.changeEvents({ changeId: 'chg-pump-1-1' }).map((e) => e.type)).toEqual(['ChangeProposed', 'BacktestAttached']);
  });

  it.each<[string, unknown, RegExp]>([
    ['danger below alert', configInput({ alert: 8 }), /groups\[0\] 'velocity'\.danger: danger 7\.1 mm\/s is below alert 8 mm\/s/],
    ['a negative delay', configInput({ onDelayMs: -5 }), /groups\[0\] 'velocity'\.onDelayMs: onDelayMs must be ≥ 0 ms, got -5/],
    ['an unknown feature', configInput({ quantity: { kind: 'feature', name: 'kurtosys' } }), /unknown feature 'kurtosys' \(did you mean 'kurtosis'\?\)/],
    ['an unknown channel', configInput({ channels: ['dee'] }), /groups\[0\] 'velocity'\.channels: unknown channel 'dee' on pump-1; known channels: de, nde/],
    ['another asset\'s config', { ...configInput(), assetId: 'pump-2' }, /assetId: the configuration is for 'pump-2', not 'pump-1'/],
  ])('given %s, when proposed, then it is refused with the message, audited and journaled, and the config in force stays', async (_, input, msg) => {
    const { store, accounts, target, service } = await setUp();
    const configs = service();
    configs.start();
    const refusal = configs.propose(ERIN, 'pump-1', input, 'try it');
    await expect(refusal).rejects.toBeInstanceOf(ConfigChangeError);
    await expect(refusal).rejects.toThrow(msg);
    expect(target.running()).toEqual({ version: 'cfg-pump-1-1', alert: 4.5 });
    expect(configs.history('pump-1').map((v) => v.id)).toEqual(['cfg-pump-1-1']);
    expect(configs.pending('pump-1')).toBeNull();
    expect(audit(accounts).at(-1)).toEqual(['erin', 'failed', 'try it', expect.stringMatching(msg)]);
    expect(store.repo.configs.changeEvents({ assetId: 'pump-1' }).map((e) => [e.type, e.event.reason])).toEqual([['ChangeRefused', expect.stringMatching(msg)]]);
  });

  it('given a config with several problems, then every message is listed', async () => {
    const { service } = await setUp();
    const configs = service();
    configs.start();
    const crossField = await configs.propose(ERIN, 'pump-1', configInput({ alert: 8, channels: ['de', 'nde'] }), 'r').catch((e: unknown) => e);
    expect(crossField).toMatchObject({
      code: 'VIGIL_CONFIG_INVALID',
      problems: [
        "groups[0] 'velocity'.danger: danger 7.1 mm/s is below alert 8 mm/s: danger must be at or above alert",
        "groups[0] 'velocity'.voting: voting 1oo1 needs 1 channel but the group has 2 (de, nde): choose a 2-channel mode (1oo2 or 2oo2) or split the group",
      ],
    });
    expect((crossField as Error).message).toMatch(/^invalid configuration for pump-1: groups\[0\] 'velocity'\.danger: .*; groups\[0\] 'velocity'\.voting: /);
    const fields = await configs.propose(ERIN, 'pump-1', configInput({ onDelayMs: -1, offDelayMs: -2 }), 'r').catch((e: unknown) => e);
    expect((fields as ConfigChangeError).problems).toEqual([
      "groups[0] 'velocity'.onDelayMs: onDelayMs must be ≥ 0 ms, got -1 (a delay cannot be negative)",
      "groups[0] 'velocity'.offDelayMs: offDelayMs must be ≥ 0 ms, got -2 (a delay cannot be negative)",
    ]);
  });

  it('given an operator and an engineer, then the operator is refused and audited, and a change needs a second engineer, not the proposer, before it applies', async () => {
    const { accounts, target, service, clock, store } = await setUp();
    const configs = service();
    configs.start();
    await expect(configs.propose(OLGA, 'pump-1', configInput({ alert: 5 }), 'quieter')).rejects.toBeInstanceOf(UnauthorisedError);
    expect(audit(accounts).at(-1)).toEqual(['olga', 'refused', 'quieter', 'role operator may not setpoint.change; it needs engineer or above']);
    const { changeId } = await configs.propose(ERIN, 'pump-1', configInput({ alert: 5 }), 'quieter');
    await expect(configs.apply(ERIN, changeId)).rejects.toThrow("Apply refused on pump-1: this change needs a second person's approval");
    await expect(configs.approve(ERIN, changeId)).rejects.toThrow('the approver must be another person than the proposer');
    await expect(configs.approve(OLGA, changeId)).rejects.toBeInstanceOf(UnauthorisedError);
    expect(target.running().version).toBe('cfg-pump-1-1');
    clock.t += 60_000;
    expect(await configs.approve(BOB, changeId, 'checked the backtest')).toMatchObject({ approvedBy: 'bob' });
    expect(await configs.apply(ERIN, changeId)).toEqual({ versionId: 'cfg-pump-1-2', revertAtMs: null });
    expect(target.running()).toEqual({ version: 'cfg-pump-1-2', alert: 5 });
    expect(configs.history('pump-1').map((v) => [v.id, v.createdBy, v.reason, v.changeId, v.parentId, v.inForce])).toEqual([
      ['cfg-pump-1-2', 'erin', 'quieter', changeId, 'cfg-pump-1-1', true],
      ['cfg-pump-1-1', 'system', 'initial configuration', null, null, false],
    ]);
    expect(audit(accounts)).toEqual([
      ['system', 'done', 'initial configuration', null],
      ['olga', 'refused', 'quieter', 'role operator may not setpoint.change; it needs engineer or above'],
      ['erin', 'done', 'quieter', null],
      ['erin', 'failed', 'quieter', "Apply refused on pump-1: this change needs a second person's approval"],
      ['erin', 'failed', 'quieter', 'Approve refused on pump-1: the approver must be another person than the proposer'],
      ['olga', 'refused', 'quieter', 'role operator may not setpoint.change; it needs engineer or above'],
      ['bob', 'done', 'checked the backtest', null],
      ['erin', 'done', 'quieter', null],
    ]);
    expect(store.repo.configs.changeEvents({ changeId }).map((e) => e.type)).toEqual([
      'ChangeProposed', 'BacktestAttached', 'ChangeRefused', 'ChangeRefused', 'ChangeApproved', 'ChangeApplied',
    ]);
  });

  it('given two engineers editing version 1, when the first change is applied, then the second is a conflicting edit, refused and audited; a rejection frees the way', async () => {
    const { accounts, target, service } = await setUp();
    const configs = service({ requireApproval: false });
    configs.start();
    const first = await configs.propose(ERIN, 'pump-1', configInput({ alert: 5 }), 'quieter', { baseVersion: 'cfg-pump-1-1' });
    await expect(configs.propose(BOB, 'pump-1', configInput({ alert: 4 }), 'tighter', { baseVersion: 'cfg-pump-1-1' })).rejects.toThrow(
      `Propose refused on pump-1: proposal ${first.changeId} by erin is still pending: apply or reject it first (conflicting edit)`,
    );
    await configs.apply(ERIN, first.changeId);
    await expect(configs.propose(BOB, 'pump-1', configInput({ alert: 4 }), 'tighter', { baseVersion: 'cfg-pump-1-1' })).rejects.toThrow(
      'Propose refused on pump-1: conflicting edit: proposed against version 1, but version 2 is in force',
    );
    expect(audit(accounts).at(-1)).toEqual(['bob', 'failed', 'tighter', expect.stringMatching(/conflicting edit/)]);
    expect(target.running()).toEqual({ version: 'cfg-pump-1-2', alert: 5 });
    const second = await configs.propose(BOB, 'pump-1', configInput({ alert: 4 }), 'tighter', { baseVersion: 'cfg-pump-1-2' });
    await configs.reject(ERIN, second.changeId, 'alert 4 chatters at full load');
    expect(configs.pending('pump-1')).toBeNull();
    await expect(configs.apply(BOB, second.changeId)).rejects.toThrow(`no pending change ${second.changeId}`);
  });

  it('given a trial change with a 1 h automatic revert, then tick reverts it on time as system, and a proposal made before the revert can no longer be applied', async () => {
    const { accounts, target, service, clock } = await setUp();
    const configs = service({ requireApproval: false });
    configs.start();
    const trial = await configs.propose(ERIN, 'pump-1', configInput({ alert: 6 }), 'trial: quieter for one shift', { revertAfterMs: H });
    expect(await configs.apply(ERIN, trial.changeId)).toEqual({ versionId: 'cfg-pump-1-2', revertAtMs: T0 + H });
    const late = await configs.propose(BOB, 'pump-1', configInput({ alert: 5 }), 'keep it quieter');
    expect(configs.tick(T0 + H - 1)).toEqual([]);
    expect(target.running()).toEqual({ version: 'cfg-pump-1-2', alert: 6 });
    expect(configs.tick(T0 + H)).toEqual([{ assetId: 'pump-1', versionId: 'cfg-pump-1-3', error: null }]);
    expect(target.running()).toEqual({ version: 'cfg-pump-1-3', alert: 4.5 });
    expect(configs.history('pump-1')[0]).toMatchObject({ id: 'cfg-pump-1-3', createdBy: 'system', reason: 'automatic revert to version 1', parentId: 'cfg-pump-1-2', changeId: trial.changeId });
    expect(audit(accounts).at(-1)).toEqual(['system', 'done', 'automatic revert to cfg-pump-1-1', null]);
    clock.t = T0 + H + 1000;
    await expect(configs.apply(BOB, late.changeId)).rejects.toThrow('Apply refused on pump-1: conflicting edit: version 3 came into force after the proposal');
    expect(audit(accounts).at(-1)).toEqual(['bob', 'failed', 'keep it quieter', expect.stringMatching(/conflicting edit/)]);
  });

  it('given a trial change, then an engineer may revert it early with a reason, an operator may not, and with nothing left to revert a revert is refused', async () => {
    const { accounts, target, service, clock } = await setUp();
    const configs = service({ requireApproval: false });
    configs.start();
    await configs.apply(ERIN, (await configs.propose(ERIN, 'pump-1', configInput({ alert: 6 }), 'trial', { revertAfterMs: H })).changeId);
    clock.t += 10 * 60_000;
    await expect(configs.revert(OLGA, 'pump-1', 'alarms missing')).rejects.toBeInstanceOf(UnauthorisedError);
    expect(await configs.revert(BOB, 'pump-1', 'missed a real alarm on the bearing')).toEqual({ versionId: 'cfg-pump-1-3' });
    expect(target.running()).toEqual({ version: 'cfg-pump-1-3', alert: 4.5 });
    expect(configs.history('pump-1')[0]).toMatchObject({ createdBy: 'bob', reason: 'missed a real alarm on the bearing', createdMs: T0 + 10 * 60_000 });
    await expect(configs.revert(BOB, 'pump-1', 'again')).rejects.toThrow('Revert refused on pump-1: no applied change is waiting to be reverted');
    expect(configs.tick(T0 + 2 * H)).toEqual([]);
    expect(audit(accounts).slice(-3).map(([actor, outcome]) => [actor, outcome])).toEqual([['olga', 'refused'], ['bob', 'done'], ['bob', 'failed']]);
  });

  it('given a trial change and a pending proposal, when the console restarts on the same file, then the latest version is put in force, the proposal is still pending, and the revert still happens on time', async () => {
    const path = tmp.path();
    const first = await setUp(path);
    const before = first.service({ requireApproval: false });
    before.start();
    const trial = await before.propose(ERIN, 'pump-1', configInput({ alert: 6 }), 'trial', { revertAfterMs: H });
    await before.apply(ERIN, trial.changeId);
    const pending = await before.propose(BOB, 'pump-1', configInput({ alert: 5 }), 'next');
    await open.splice(0)[0]!.close();

    const second = await setUp(path);
    const after = second.service({ requireApproval: false });
    expect(after.start()).toEqual([{ assetId: 'pump-1', outcome: 'applied', versionId: 'cfg-pump-1-2', notes: [] }]);
    expect(second.target.running()).toEqual({ version: 'cfg-pump-1-2', alert: 6 });
    expect(after.pending('pump-1')).toEqual(pending);
    expect(after.tick(T0 + H)).toEqual([{ assetId: 'pump-1', versionId: 'cfg-pump-1-3', error: null }]);
    expect(second.target.running()).toEqual({ version: 'cfg-pump-1-3', alert: 4.5 });
  });

  it('given the engine refuses a change, then the previous configuration stays in force, stored anew by system, and the failure is audited', async () => {
    const { accounts, target, service, store } = await setUp();
    const configs = service({ requireApproval: false });
    configs.start();
    const { changeId } = await configs.propose(ERIN, 'pump-1', configInput({ alert: 5 }), 'quieter');
    target.refuse = (c) => (c.groups[0]?.alert === 5 ? 'channel de is not streamed at 5 mm/s resolution' : null);
    const failure = configs.apply(ERIN, changeId);
    await expect(failure).rejects.toMatchObject({ code: 'VIGIL_CONFIG_APPLY_FAILED' });
    await expect(failure).rejects.toThrow(
      /^cfg-pump-1-2 could not be put in force on pump-1: channel de is not streamed at 5 mm\/s resolution; the configuration of cfg-pump-1-1 stays in force, stored as cfg-pump-1-3$/,
    );
    expect(target.running()).toEqual({ version: 'cfg-pump-1-3', alert: 4.5 });
    expect(configs.pending('pump-1')).toBeNull();
    expect(configs.history('pump-1').map((v) => [v.id, v.createdBy, v.reason, v.inForce])).toEqual([
      ['cfg-pump-1-3', 'system', 'cfg-pump-1-2 could not be put in force (channel de is not streamed at 5 mm/s resolution); the configuration of cfg-pump-1-1 stays in force', true],
      ['cfg-pump-1-2', 'erin', 'quieter', false],
      ['cfg-pump-1-1', 'system', 'initial configuration', false],
    ]);
    expect(store.repo.configs.latest('pump-1')?.config).toEqual(BUILT_IN);
    expect(audit(accounts).at(-1)).toEqual(['erin', 'failed', 'quieter', expect.stringMatching(/could not be put in force/)]);
    expect(store.repo.configs.changeEvents({ changeId }).map((e) => e.type)).toEqual(['ChangeProposed', 'BacktestAttached', 'ChangeApplied', 'ChangeApplyFailed']);
    // If the engine also refuses the configuration it runs, that is said, and a restart repairs the tag.
    const next = await configs.propose(ERIN, 'pump-1', configInput({ alert: 5.5 }), 'quieter, again');
    target.refuse = () => 'the engine is shutting down';
    await expect(configs.apply(ERIN, next.changeId)).rejects.toThrow(
      'cfg-pump-1-4 could not be put in force on pump-1: the engine is shutting down; the configuration of cfg-pump-1-3 stays in force, stored as cfg-pump-1-5; tagging it as cfg-pump-1-5 failed too (the engine is shutting down), it stays tagged cfg-pump-1-3 until restart',
    );
    expect(target.running()).toEqual({ version: 'cfg-pump-1-3', alert: 4.5 });
    target.refuse = () => null;
    expect(service().start()).toEqual([{ assetId: 'pump-1', outcome: 'applied', versionId: 'cfg-pump-1-5', notes: [] }]);
    expect(target.running()).toEqual({ version: 'cfg-pump-1-5', alert: 4.5 });
  });

  it('given a stored version edited around the triggers, when started, then it is refused as corrupt, the built-in config stays and changes are refused', async () => {
    const { accounts, target, service, store } = await setUp();
    const configs = service({ requireApproval: false });
    configs.start();
    const { changeId } = await configs.propose(ERIN, 'pump-1', configInput({ alert: 5 }), 'quieter');
    await configs.apply(ERIN, changeId);
    expect(target.running()).toEqual({ version: 'cfg-pump-1-2', alert: 5 });
    store.db.exec('DROP TRIGGER config_versions_no_update');
    store.db.prepare("UPDATE config_versions SET config_json = json_set(config_json, '$.groups[0].alert', 50) WHERE id = 'cfg-pump-1-2'").run();

    const restarted = new MapTarget(BUILT_IN);
    const again = service({ target: restarted });
    expect(again.start()).toEqual([
      { assetId: 'pump-1', outcome: 'refused', versionId: null, inForce: null, reason: expect.stringMatching(/^configuration version cfg-pump-1-2 is corrupt: its config_json does not match its config_hash/) },
    ]);
    expect(restarted.running()).toEqual({ version: null, alert: 4.5 });
    expect(audit(accounts).at(-1)).toEqual(['system', 'refused', 'startup: put the stored configuration in force', expect.stringMatching(/cfg-pump-1-2 is corrupt/)]);
    await expect(again.propose(ERIN, 'pump-1', configInput({ alert: 4 }), 'r')).rejects.toThrow(/configuration changes on pump-1 are refused until its stored configuration is repaired: configuration version cfg-pump-1-2 is corrupt/);
    expect(again.history('pump-1')[0]).toMatchObject({ id: 'cfg-pump-1-2', corruption: expect.stringMatching(/does not match/), inForce: false });
  });

  it('given a stored version the engine no longer accepts, when started, then the built-in configuration is stored anew by system and put in force', async () => {
    const { target, service, store } = await setUp();
    const configs = service({ requireApproval: false });
    configs.start();
    await configs.apply(ERIN, (await configs.propose(ERIN, 'pump-1', configInput({ alert: 5, channels: ['nde'] }), 'moved the probe')).changeId);
    const restarted = new MapTarget(BUILT_IN);
    restarted.channelIds = () => ['de'];
    expect(service({ target: restarted }).start()).toEqual([
      { assetId: 'pump-1', outcome: 'refused', versionId: 'cfg-pump-1-2', inForce: 'cfg-pump-1-3', reason: expect.stringMatching(/unknown channel 'nde' on pump-1; known channels: de/) },
    ]);
    expect(restarted.running()).toEqual({ version: 'cfg-pump-1-3', alert: 4.5 });
    expect(store.repo.configs.latest('pump-1')).toMatchObject({ createdBy: 'system', reason: expect.stringMatching(/^cfg-pump-1-2 could not be put in force at startup/) });
    expect(target.running().version).toBe('cfg-pump-1-2');
  });
});
