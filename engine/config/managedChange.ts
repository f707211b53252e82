/**
 * Managed changes of the protection configuration (ISA-18.2 management of change): propose →
 * backtest → optional approval by a second person → apply, with an optional automatic revert, as a
 * decider whose events are the change record. Pure: validation of the configuration itself and
 * role checks are done by the caller (the protection config parser; OperatorActions), so this unit
 * only decides the workflow. `C` is the configuration type (e.g. the per-asset protection configs).
 */

/** A configuration in force: every applied change makes a new version. */
export interface ConfigVersion<C> {
  readonly version: number;
  readonly config: C;
  readonly appliedMs: number;
  readonly appliedBy: string;
  readonly reason: string;
}

/** A proposal waiting to be applied. */
export interface Proposal<C> {
  readonly id: string;
  /** The version the proposal was made against; applying over a newer one is a conflicting edit. */
  readonly baseVersion: number;
  readonly config: C;
  readonly by: string;
  readonly reason: string;
  readonly proposedMs: number;
  readonly requiresApproval: boolean;
  readonly revertAfterMs: number | null;
  /** What the backtest said (alarms, KPIs, detections, beside the current configuration). */
  readonly backtest: unknown | null;
  readonly approvedBy: string | null;
}

export interface ChangeState<C> {
  readonly current: ConfigVersion<C>;
  readonly pending: Proposal<C> | null;
  /** An applied change that reverts by itself at `atMs` to `to`, unless reverted earlier. */
  readonly revert: { readonly atMs: number; readonly to: ConfigVersion<C> } | null;
}

export type ChangeCommand<C> =
  | { type: 'Propose'; atMs: number; id: string; by: string; baseVersion: number; config: C; reason: string; requiresApproval: boolean; revertAfterMs?: number }
  | { type: 'AttachBacktest'; atMs: number; id: string; backtest: unknown }
  | { type: 'Approve'; atMs: number; id: string; by: string }
  | { type: 'Reject'; atMs: number; id: string; by: string; reason: string }
  | { type: 'Apply'; atMs: number; id: string; by: string }
  | { type: 'Revert'; atMs: number; by: string; reason: string }
  | { type: 'Tick'; atMs: number };

export type ChangeEvent<C> =
  | { type: 'ChangeProposed'; atMs: number; proposal: Proposal<C> }
  | { type: 'BacktestAttached'; atMs: number; id: string; backtest: unknown }
  | { type: 'ChangeApproved'; atMs: number; id: string; by: string }
  | { type: 'ChangeRejected'; atMs: number; id: string; by: string; reason: string }
  | { type: 'ChangeApplied'; atMs: number; id: string; by: string; reason: string; before: ConfigVersion<C>; after: ConfigVersion<C>; revertAtMs: number | null }
  | { type: 'ChangeReverted'; atMs: number; by: string; reason: string; automatic: boolean; before: ConfigVersion<C>; after: ConfigVersion<C> }
  | { type: 'ChangeRefused'; atMs: number; command: ChangeCommand<C>['type']; by: string | null; reason: string };

/** The workflow's rules, given from outside so the decider stays pure. */
export interface ChangeRules<C> {
  /** Errors of a proposed configuration (empty = valid), e.g. from parseProtectionConfig. */
  validate(config: C): string[];
  /** Longest automatic-revert time accepted. */
  maxRevertAfterMs: number;
}

export function initialChangeState<C>(config: C, atMs: number, by: string): ChangeState<C> {
  return { current: { version: 1, config, appliedMs: atMs, appliedBy: by, reason: 'initial configuration' }, pending: null, revert: null };
}

/**
 * Decide what a command does. Refusals are events (the change record says who tried what and why
 * it was refused). Rules: one proposal at a time; a proposal made against an older version than the
 * one in force is a conflicting edit; a reason is required; the approver must be another person;
 * a change applies only with a backtest attached and, where required, an approval; a due automatic
 * revert happens before any other command is decided.
 */
export function decideChange<C>(state: ChangeState<C>, cmd: ChangeCommand<C>, rules: ChangeRules<C>): ChangeEvent<C>[] {
  const out: ChangeEvent<C>[] = [];
  if (state.revert && cmd.atMs >= state.revert.atMs) {
    const after = { ...state.revert.to, version: state.current.version + 1, appliedMs: state.revert.atMs, appliedBy: 'automatic revert', reason: `automatic revert to version ${state.revert.to.version}` };
    out.push({ type: 'ChangeReverted', atMs: state.revert.atMs, by: 'automatic revert', reason: after.reason, automatic: true, before: state.current, after });
    state = evolveChange(state, out[0]!);
  }
  const refuse = (reason: string): ChangeEvent<C>[] => [...out, { type: 'ChangeRefused', atMs: cmd.atMs, command: cmd.type, by: 'by' in cmd ? cmd.by : null, reason }];
  const p = state.pending;
  switch (cmd.type) {
    case 'Tick':
      return out;
    case 'Propose': {
      if (!cmd.by.trim()) return refuse('say who proposes the change');
      if (!cmd.reason.trim()) return refuse('a change needs a reason');
      if (p) return refuse(`proposal ${p.id} by ${p.by} is still pending: apply or reject it first (conflicting edit)`);
      if (cmd.baseVersion !== state.current.version) return refuse(`conflicting edit: proposed against version ${cmd.baseVersion}, but version ${state.current.version} is in force`);
      if (cmd.revertAfterMs !== undefined && !(cmd.revertAfterMs > 0 && cmd.revertAfterMs <= rules.maxRevertAfterMs)) return refuse(`automatic revert must be within (0, ${rules.maxRevertAfterMs}] ms, got ${cmd.revertAfterMs}`);
      const errors = rules.validate(cmd.config);
      if (errors.length > 0) return refuse(`invalid configuration: ${errors.join('; ')}`);
      const proposal: Proposal<C> = { id: cmd.id, baseVersion: cmd.baseVersion, config: cmd.config, by: cmd.by, reason: cmd.reason, proposedMs: cmd.atMs, requiresApproval: cmd.requiresApproval, revertAfterMs: cmd.revertAfterMs ?? null, backtest: null, approvedBy: null };
      return [...out, { type: 'ChangeProposed', atMs: cmd.atMs, proposal }];
    }
    case 'AttachBacktest':
      if (!p || p.id !== cmd.id) return refuse(`no pending proposal ${cmd.id}`);
      return [...out, { type: 'BacktestAttached', atMs: cmd.atMs, id: cmd.id, backtest: cmd.backtest }];
    case 'Approve':
      if (!p || p.id !== cmd.id) return refuse(`no pending proposal ${cmd.id}`);
      if (!p.requiresApproval) return refuse(`proposal ${cmd.id} does not require approval`);
      if (cmd.by === p.by) return refuse('the approver must be another person than the proposer');
      if (p.approvedBy) return refuse(`already approved by ${p.approvedBy}`);
      return [...out, { type: 'ChangeApproved', atMs: cmd.atMs, id: cmd.id, by: cmd.by }];
    case 'Reject':
      if (!p || p.id !== cmd.id) return refuse(`no pending proposal ${cmd.id}`);
      if (!cmd.reason.trim()) return refuse('a rejection needs a reason');
      return [...out, { type: 'ChangeRejected', atMs: cmd.atMs, id: cmd.id, by: cmd.by, reason: cmd.reason }];
    case 'Apply': {
      if (!p || p.id !== cmd.id) return refuse(`no pending proposal ${cmd.id}`);
      if (p.baseVersion !== state.current.version) return refuse(`conflicting edit: version ${state.current.version} came into force after the proposal`);
      if (p.backtest === null) return refuse('backtest the proposal before applying it');
      if (p.requiresApproval && !p.approvedBy) return refuse('this change needs a second person\'s approval');
      const after: ConfigVersion<C> = { version: state.current.version + 1, config: p.config, appliedMs: cmd.atMs, appliedBy: cmd.by, reason: p.reason };
      return [...out, { type: 'ChangeApplied', atMs: cmd.atMs, id: p.id, by: cmd.by, reason: p.reason, before: state.current, after, revertAtMs: p.revertAfterMs === null ? null : cmd.atMs + p.revertAfterMs }];
    }
    case 'Revert': {
      if (!state.revert) return refuse('no applied change is waiting to be reverted');
      if (!cmd.reason.trim()) return refuse('a revert needs a reason');
      const after = { ...state.revert.to, version: state.current.version + 1, appliedMs: cmd.atMs, appliedBy: cmd.by, reason: cmd.reason };
      return [...out, { type: 'ChangeReverted', atMs: cmd.atMs, by: cmd.by, reason: cmd.reason, automatic: false, before: state.current, after }];
    }
  }
}

export function evolveChange<C>(state: ChangeState<C>, e: ChangeEvent<C>): ChangeState<C> {
  switch (e.type) {
    case 'ChangeProposed':
      return { ...state, pending: e.proposal };
    case 'BacktestAttached':
      return state.pending ? { ...state, pending: { ...state.pending, backtest: e.backtest } } : state;
    case 'ChangeApproved':
      return state.pending ? { ...state, pending: { ...state.pending, approvedBy: e.by } } : state;
    case 'ChangeRejected':
      return { ...state, pending: null };
    case 'ChangeApplied':
      return { current: e.after, pending: null, revert: e.revertAtMs === null ? null : { atMs: e.revertAtMs, to: e.before } };
    case 'ChangeReverted':
      return { ...state, current: e.after, revert: null };
    case 'ChangeRefused':
      return state;
  }
}

/** decide then evolve: the next state and the events (the change record). */
export function handleChange<C>(state: ChangeState<C>, cmd: ChangeCommand<C>, rules: ChangeRules<C>): { state: ChangeState<C>; events: ChangeEvent<C>[] } {
  const events = decideChange(state, cmd, rules);
  return { state: events.reduce(evolveChange, state), events };
}
