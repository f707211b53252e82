import { describe, expect, it } from 'vitest';
import { handleChange, initialChangeState, type ChangeCommand, type ChangeEvent, type ChangeRules, type ChangeState } from '../../../engine/config/managedChange';

type Cfg = { alert: number; danger: number };
const rules: ChangeRules<Cfg> = { validate: (c) => (c.danger > c.alert ? [] : [`danger ${c.danger} must be above alert ${c.alert}`]), maxRevertAfterMs: 24 * 3_600_000 };
const H = 3_600_000;

function given(...cmds: Array<ChangeCommand<Cfg>>): { state: ChangeState<Cfg>; events: Array<ChangeEvent<Cfg>> } {
  let state = initialChangeState<Cfg>({ alert: 1, danger: 3 }, 0, 'commissioning');
  const events: Array<ChangeEvent<Cfg>> = [];
  for (const c of cmds) {
    const r = handleChange(state, c, rules);
    state = r.state;
    events.push(...r.events);
  }
  return { state, events };
}
const propose = (over: Partial<Extract<ChangeCommand<Cfg>, { type: 'Propose' }>> = {}): ChangeCommand<Cfg> => ({ type: 'Propose', atMs: 10, id: 'c1', by: 'erin', baseVersion: 1, config: { alert: 1.2, danger: 3.5 }, reason: 'fewer nuisance alarms on P-101', requiresApproval: true, ...over });
const backtest: ChangeCommand<Cfg> = { type: 'AttachBacktest', atMs: 20, id: 'c1', backtest: { alarms: { current: 40, proposed: 12 } } };
const types = (events: Array<ChangeEvent<Cfg>>): string[] => events.map((e) => (e.type === 'ChangeRefused' ? `refused ${e.command}: ${e.reason}` : e.type));

describe('managed changes: propose → backtest → approve → apply, with automatic revert', () => {
  it('given a proposal with a backtest and a second person\'s approval, when applied, then version 2 is in force with before and after recorded', () => {
    const { state, events } = given(propose(), backtest, { type: 'Approve', atMs: 30, id: 'c1', by: 'ada' }, { type: 'Apply', atMs: 40, id: 'c1', by: 'erin' });
    expect(types(events)).toEqual(['ChangeProposed', 'BacktestAttached', 'ChangeApproved', 'ChangeApplied']);
    expect(state.current).toEqual({ version: 2, config: { alert: 1.2, danger: 3.5 }, appliedMs: 40, appliedBy: 'erin', reason: 'fewer nuisance alarms on P-101' });
    expect(events.at(-1)).toMatchObject({ before: { version: 1, config: { alert: 1, danger: 3 } }, after: { version: 2 } });
  });

  it.each<[string, Array<ChangeCommand<Cfg>>, string]>([
    ['an invalid configuration', [propose({ config: { alert: 3, danger: 2 } })], 'refused Propose: invalid configuration: danger 2 must be above alert 3'],
    ['no reason', [propose({ reason: ' ' })], 'refused Propose: a change needs a reason'],
    ['a second proposal while one is pending', [propose(), propose({ id: 'c2', by: 'bob' })], 'refused Propose: proposal c1 by erin is still pending: apply or reject it first (conflicting edit)'],
    ['a stale base version', [propose({ baseVersion: 0 })], 'refused Propose: conflicting edit: proposed against version 0, but version 1 is in force'],
    ['applying without a backtest', [propose(), { type: 'Apply', atMs: 40, id: 'c1', by: 'erin' }], 'refused Apply: backtest the proposal before applying it'],
    ['applying without the required approval', [propose(), backtest, { type: 'Apply', atMs: 40, id: 'c1', by: 'erin' }], "refused Apply: this change needs a second person's approval"],
    ['approving one\'s own proposal', [propose(), { type: 'Approve', atMs: 30, id: 'c1', by: 'erin' }], 'refused Approve: the approver must be another person than the proposer'],
    ['a revert time beyond the maximum', [propose({ revertAfterMs: 48 * H })], `refused Propose: automatic revert must be within (0, ${24 * H}] ms, got ${48 * H}`],
    ['reverting with nothing to revert', [{ type: 'Revert', atMs: 5, by: 'erin', reason: 'oops' }], 'refused Revert: no applied change is waiting to be reverted'],
  ])('given %s, then it is refused and the configuration in force stays', (_, cmds, refusal) => {
    const { state, events } = given(...cmds);
    expect(types(events).at(-1)).toBe(refusal);
    expect(state.current.version).toBe(1);
  });

  it('given a trial change with a 1 h automatic revert, then the first command after the hour reverts it before anything else, as version 3', () => {
    const { state, events } = given(propose({ requiresApproval: false, revertAfterMs: H }), backtest, { type: 'Apply', atMs: 100, id: 'c1', by: 'erin' }, { type: 'Tick', atMs: 100 + H - 1 }, { type: 'Tick', atMs: 100 + H });
    expect(types(events)).toEqual(['ChangeProposed', 'BacktestAttached', 'ChangeApplied', 'ChangeReverted']);
    expect(events.at(-1)).toMatchObject({ automatic: true, before: { version: 2 }, after: { version: 3, config: { alert: 1, danger: 3 } } });
    expect(state.current).toMatchObject({ version: 3, config: { alert: 1, danger: 3 } });
    expect(state.revert).toBeNull();
  });

  it('given a trial change, an engineer may revert it early with a reason; a rejected proposal frees the way for a new one', () => {
    const reverted = given(propose({ requiresApproval: false, revertAfterMs: H }), backtest, { type: 'Apply', atMs: 100, id: 'c1', by: 'erin' }, { type: 'Revert', atMs: 200, by: 'ada', reason: 'missed a real alarm' });
    expect(reverted.events.at(-1)).toMatchObject({ type: 'ChangeReverted', automatic: false, by: 'ada', after: { version: 3, config: { alert: 1, danger: 3 } } });
    const rejected = given(propose(), { type: 'Reject', atMs: 30, id: 'c1', by: 'ada', reason: 'alert too high for a bearing in its last month' }, propose({ id: 'c2' }));
    expect(types(rejected.events)).toEqual(['ChangeProposed', 'ChangeRejected', 'ChangeProposed']);
    expect(rejected.state.pending?.id).toBe('c2');
  });
});
