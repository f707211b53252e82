import { authorizeAndAudit, type AuthorityContext, type Requester } from '../auth/authorizeAndAudit';
import { PROTECTION_FEATURE_NAMES, type ProtectionConfig } from '../protect/protectionConfig';
import { configVersionId, type ConfigChangeEventBody, type ConfigVersionRecord } from '../store/ConfigVersions';
import type { Repository } from '../store/Repository';
import { checkProtectionConfig } from './checkProtectionConfig';
import {
  ConfigChangeError,
  proposalView,
  restoreChangeState,
  versionOf,
  type ApplyFailed,
  type ConfigHistoryEntry,
  type ProposalView,
  type StartOutcome,
  type StoredVersion,
} from './configChangeState';
import { decideChange, evolveChange, type ChangeCommand, type ChangeEvent, type ChangeRules, type ChangeState, type Proposal } from './managedChange';
import { backtestFromStore, type BacktestRunner } from './proposalBacktest';

export { ConfigChangeError, type ConfigChangeErrorCode, type ConfigHistoryEntry, type ProposalView, type StartOutcome } from './configChangeState';

/** What the managed-change service needs from the engine: the protection in force per asset. */
export interface ProtectionTarget {
  /** Every asset the engine protects. */
  assetIds(): readonly string[];
  /** The protection config in force for an asset (throws for an unknown asset). */
  protectionConfig(assetId: string): ProtectionConfig;
  /** Makes `config` the one in force, tagged with its stored version id; throws a clear Error if it cannot. */
  applyProtection(assetId: string, config: ProtectionConfig, configVersion: string): void;
  /**
   * The asset's channels, when the engine knows them: a proposal naming another channel is refused
   * (a mistyped channel is a group that never votes). Without it, only the channels of the
   * configuration in force are accepted.
   */
  channelIds?(assetId: string): readonly string[];
}

/** Construction of a `ConfigService`. */
export interface ConfigServiceOptions {
  repo: Repository;
  /** The permission gate and audit trail (`Accounts` implements it). */
  authority: AuthorityContext;
  target: ProtectionTarget;
  clock: () => number;
  /** Whether a change needs a second person's approval; default true (a setpoint change can leave a machine unprotected). */
  requireApproval?: boolean | ((assetId: string) => boolean);
  /** Feature names a group may watch; default `PROTECTION_FEATURE_NAMES`. */
  knownFeatures?: readonly string[];
  /** History a proposal is backtested over, ending now; default 30 days. */
  backtestWindowMs?: number;
  /** Runs the backtest; default `backtestFromStore` on this thread. A host whose trip path shares the thread should run it in a worker. */
  backtest?: BacktestRunner;
  /** Longest automatic revert accepted; default 72 h (a trial over a weekend). */
  maxRevertAfterMs?: number;
}

const DAY_MS = 86_400_000;
const SETPOINT_CHANGE = 'setpoint.change' as const;
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Managed changes of each asset's protection configuration (ISA-18.2 management of change): the
 * `managedChange` decider, wired to the stored versions, the backtest, the permission gate and the
 * audit trail. Every step a person takes goes through `authorizeAndAudit` as `setpoint.change`
 * (engineer and above, with a reason); what the system does by itself (initial version, automatic
 * revert, startup refusals) is audited as `system`. Every decider event goes to the change journal.
 *
 * Order of writes, and why: a new version and the events that made it are committed durably first,
 * then the engine is told to put it in force. "Latest stored" is the definition of "in force after a
 * restart", because `start()` puts the latest stored version in force; so a crash between the
 * commit and the engine call is repaired by the next start, and the engine never runs a version
 * that is not on disk (an incident can always be traced to its configuration). If the engine
 * refuses the version, a new version restoring the previous configuration is committed on top
 * (by `system`, saying why), so the latest stored is again what runs.
 */
export class ConfigService {
  readonly #repo: Repository;
  readonly #authority: AuthorityContext;
  readonly #target: ProtectionTarget;
  readonly #clock: () => number;
  readonly #requireApproval: (assetId: string) => boolean;
  readonly #knownFeatures: readonly string[];
  readonly #windowMs: number;
  readonly #backtest: BacktestRunner;
  readonly #maxRevertAfterMs: number;
  readonly #states = new Map<string, ChangeState<ProtectionConfig>>();
  readonly #inForce = new Map<string, StoredVersion>();
  /** Assets whose stored configuration cannot be trusted: every change is refused with the reason. */
  readonly #blocked = new Map<string, string>();

  constructor(options: ConfigServiceOptions) {
    this.#repo = options.repo;
    this.#authority = options.authority;
    this.#target = options.target;
    this.#clock = options.clock;
    const approval = options.requireApproval ?? true;
    this.#requireApproval = typeof approval === 'function' ? approval : () => approval;
    this.#knownFeatures = options.knownFeatures ?? PROTECTION_FEATURE_NAMES;
    this.#windowMs = options.backtestWindowMs ?? 30 * DAY_MS;
    this.#backtest = options.backtest ?? ((request) => backtestFromStore(this.#repo, request));
    this.#maxRevertAfterMs = options.maxRevertAfterMs ?? 3 * DAY_MS;
  }

  /**
   * Puts each asset's latest stored version in force, or stores the engine's built-in configuration
   * as version 1 when there is none. The assets must be stored (flush the store writer after the
   * engine registers them). A stored version that is corrupt is refused and the asset is blocked
   * (the built-in configuration stays; changes are refused until the store is repaired); one the
   * engine or today's validation refuses is replaced by the built-in configuration, stored anew.
   */
  start(): StartOutcome[] {
    return this.#target.assetIds().map((assetId) => this.#startAsset(assetId));
  }

  /**
   * Proposes a configuration for an asset and backtests it beside the one in force over the stored
   * history (the last `backtestWindowMs`, or `options.backtestWindow`). `baseVersion` is the version
   * the editor started from; if another change came into force since, the proposal is a conflicting
   * edit and refused. Rejects with `ConfigChangeError` listing every problem of an invalid proposal.
   */
  propose(
    who: Requester,
    assetId: string,
    configInput: unknown,
    reason: string,
    options: { revertAfterMs?: number; baseVersion?: string; backtestWindow?: { fromMs: number; toMs: number } } = {},
  ): Promise<ProposalView> {
    const request = { action: SETPOINT_CHANGE, target: assetId, reason, before: this.#auditVersion(assetId), after: { step: 'propose', config: configInput, revertAfterMs: options.revertAfterMs ?? null } };
    return authorizeAndAudit(this.#authority, who, request, async () => {
      const atMs = this.#clock();
      this.#revertIfDue(assetId, atMs);
      const state = this.#state(assetId);
      const baseVersion = options.baseVersion === undefined ? state.current.version : this.#seqOf(assetId, options.baseVersion);
      const propose = <C>(config: C, id: string): ChangeCommand<C> => ({
        type: 'Propose', atMs, id, by: who.userName, baseVersion, config, reason, requiresApproval: this.#requireApproval(assetId),
        ...(options.revertAfterMs === undefined ? {} : { revertAfterMs: options.revertAfterMs }),
      });
      // Decided once before the (long) backtest, so a conflicting or invalid proposal is refused at once.
      const early = decideChange<unknown>(state, propose(configInput, this.#nextChangeId(assetId)), this.#rules(assetId));
      const refused = early.find((e) => e.type === 'ChangeRefused');
      if (refused?.type === 'ChangeRefused') {
        const { errors } = this.#problems(assetId, configInput);
        try {
          this.#step(assetId, [], early);
        } catch (err) {
          const invalid = errors.length > 0 && refused.reason === `invalid configuration: ${errors.join('; ')}`;
          throw invalid ? new ConfigChangeError('VIGIL_CONFIG_INVALID', `invalid configuration for ${assetId}: ${errors.join('; ')}`, errors) : err;
        }
      }
      const config = this.#parse(assetId, configInput);
      const window = options.backtestWindow ?? { fromMs: atMs - this.#windowMs, toMs: atMs };
      const backtest = await this.#backtest({ assetId, current: state.current.config, proposed: config, ...window });
      // The world may have moved during the backtest: a revert that fell due makes this a conflicting edit.
      const attachedMs = this.#clock();
      this.#revertIfDue(assetId, attachedMs);
      const id = this.#nextChangeId(assetId);
      this.#step(assetId, [propose(config, id), { type: 'AttachBacktest', atMs: attachedMs, id, backtest }]);
      return proposalView(assetId, this.#state(assetId).pending!);
    });
  }

  /** A second person approves a pending change; `note` is their reason (the proposal's reason when absent). */
  approve(who: Requester, changeId: string, note?: string): Promise<ProposalView> {
    const found = this.#findPending(changeId);
    const reason = note?.trim() ? note : (found?.proposal.reason ?? `approve ${changeId}`);
    return authorizeAndAudit(this.#authority, who, { action: SETPOINT_CHANGE, target: found?.assetId ?? changeId, reason, after: { step: 'approve', changeId } }, () => {
      const { assetId } = this.#pendingOrThrow(changeId);
      this.#command(assetId, { type: 'Approve', atMs: this.#clock(), id: changeId, by: who.userName });
      return proposalView(assetId, this.#state(assetId).pending!);
    });
  }

  /** Rejects a pending change with a reason; the configuration in force stays. */
  reject(who: Requester, changeId: string, reason: string): Promise<void> {
    const found = this.#findPending(changeId);
    return authorizeAndAudit(this.#authority, who, { action: SETPOINT_CHANGE, target: found?.assetId ?? changeId, reason, after: { step: 'reject', changeId } }, () => {
      const { assetId } = this.#pendingOrThrow(changeId);
      this.#command(assetId, { type: 'Reject', atMs: this.#clock(), id: changeId, by: who.userName, reason });
    });
  }

  /**
   * Applies a backtested (and, where required, approved) change: stores the new version, then puts
   * it in force. Resolves with the new version; rejects with `ConfigChangeError` if the change is
   * refused (no approval, conflicting edit) or the engine refused it (the previous configuration
   * then stays in force, stored anew).
   */
  apply(who: Requester, changeId: string): Promise<{ versionId: string; revertAtMs: number | null }> {
    const found = this.#findPending(changeId);
    const before = found ? this.#auditVersion(found.assetId) : null;
    const request = { action: SETPOINT_CHANGE, target: found?.assetId ?? changeId, reason: found?.proposal.reason ?? `apply ${changeId}`, before, after: { step: 'apply', changeId, config: found?.proposal.config ?? null } };
    return authorizeAndAudit(this.#authority, who, request, () => {
      const { assetId, proposal } = this.#pendingOrThrow(changeId);
      this.#parse(assetId, proposal.config); // the rules may have changed (channels, features) since it was proposed
      const events = this.#command(assetId, { type: 'Apply', atMs: this.#clock(), id: changeId, by: who.userName });
      const applied = events.find((e) => e.type === 'ChangeApplied');
      return { versionId: this.#inForce.get(assetId)!.id, revertAtMs: applied?.type === 'ChangeApplied' ? applied.revertAtMs : null };
    });
  }

  /** Reverts a trial change (one applied with an automatic revert) early, to the version it replaced. */
  revert(who: Requester, assetId: string, reason: string): Promise<{ versionId: string }> {
    const request = { action: SETPOINT_CHANGE, target: assetId, reason, before: this.#auditVersion(assetId), after: { step: 'revert' } };
    return authorizeAndAudit(this.#authority, who, request, () => {
      this.#command(assetId, { type: 'Revert', atMs: this.#clock(), by: who.userName, reason });
      return { versionId: this.#inForce.get(assetId)!.id };
    });
  }

  /**
   * Performs every automatic revert due at `atMs` (call it periodically; a due revert also happens
   * before any other command on its asset). Each is audited as done (or failed) by `system`.
   */
  tick(atMs: number): Array<{ assetId: string; versionId: string | null; error: string | null }> {
    const out: Array<{ assetId: string; versionId: string | null; error: string | null }> = [];
    for (const assetId of this.#states.keys()) {
      const r = this.#revertIfDue(assetId, atMs);
      if (r) out.push({ assetId, ...r });
    }
    return out;
  }

  /** The asset's stored versions, newest first, with who, when and why, and which is in force. */
  history(assetId: string, limit?: number): ConfigHistoryEntry[] {
    const inForce = this.#inForce.get(assetId)?.id;
    return this.#repo.configs.list(assetId, limit).map((v) => ({ ...v, inForce: v.id === inForce }));
  }

  /** The asset's pending proposal, or null. */
  pending(assetId: string): ProposalView | null {
    const p = this.#states.get(assetId)?.pending;
    return p ? proposalView(assetId, p) : null;
  }

  /** The id of the version in force, or null if the asset is blocked or unknown. */
  inForce(assetId: string): string | null {
    return this.#inForce.get(assetId)?.id ?? null;
  }

  #startAsset(assetId: string): StartOutcome {
    this.#states.delete(assetId);
    this.#inForce.delete(assetId);
    this.#blocked.delete(assetId);
    const atMs = this.#clock();
    let latest: ConfigVersionRecord | null;
    try {
      latest = this.#repo.configs.latest(assetId);
      if (!latest) {
        const builtIn = this.#target.protectionConfig(assetId);
        const record = this.#repo.configs.append({ assetId, config: builtIn, by: 'system', reason: 'initial configuration', atMs, expectedSeq: 1 });
        this.#target.applyProtection(assetId, builtIn, record.id);
        this.#settle(assetId, { current: versionOf(record, builtIn), pending: null, revert: null }, record);
        this.#auditSystem({ target: assetId, reason: 'initial configuration', after: { versionId: record.id }, outcome: 'done' });
        return { assetId, outcome: 'stored-initial', versionId: record.id };
      }
    } catch (err) {
      return this.#block(assetId, null, message(err));
    }
    let config: ProtectionConfig;
    try {
      config = this.#parse(assetId, latest.config, { channels: false });
      this.#target.applyProtection(assetId, config, latest.id);
    } catch (err) {
      return this.#fallBackToBuiltIn(assetId, latest, message(err), atMs);
    }
    const restored = restoreChangeState(this.#repo.configs, assetId, versionOf(latest, config), (c) => this.#parse(assetId, c, { channels: false }));
    this.#settle(assetId, restored.state, latest);
    return { assetId, outcome: 'applied', versionId: latest.id, notes: restored.notes };
  }

  /** A stored version the engine or the validation refused at startup: the built-in configuration is stored anew and kept. */
  #fallBackToBuiltIn(assetId: string, refused: ConfigVersionRecord, why: string, atMs: number): StartOutcome {
    const reason = `${refused.id} could not be put in force at startup (${why}); the built-in configuration is in force`;
    try {
      const builtIn = this.#target.protectionConfig(assetId);
      const record = this.#repo.configs.transaction(() => {
        const r = this.#repo.configs.append({ assetId, config: builtIn, by: 'system', reason, parentId: refused.id, atMs, expectedSeq: refused.seq + 1 });
        const failed: ApplyFailed = { type: 'ChangeApplyFailed', atMs, versionId: refused.id, error: why, restoredVersionId: r.id, revert: null };
        this.#repo.configs.appendChangeEvent({ assetId, changeId: refused.changeId, event: failed });
        return r;
      });
      this.#target.applyProtection(assetId, builtIn, record.id);
      this.#settle(assetId, { current: versionOf(record, builtIn), pending: null, revert: null }, record);
      this.#auditSystem({ target: assetId, reason, before: { versionId: refused.id }, after: { versionId: record.id }, outcome: 'refused', refusal: why });
      return { assetId, outcome: 'refused', versionId: refused.id, reason: why, inForce: record.id };
    } catch (err) {
      return this.#block(assetId, refused.id, `${why}; storing the built-in configuration failed too: ${message(err)}`);
    }
  }

  #block(assetId: string, versionId: string | null, reason: string): StartOutcome {
    this.#blocked.set(assetId, reason);
    this.#auditSystem({ target: assetId, reason: 'startup: put the stored configuration in force', before: versionId ? { versionId } : null, outcome: 'refused', refusal: reason });
    return { assetId, outcome: 'refused', versionId, reason, inForce: null };
  }

  #settle(assetId: string, state: ChangeState<ProtectionConfig>, record: StoredVersion): void {
    this.#states.set(assetId, state);
    this.#inForce.set(assetId, { id: record.id, seq: record.seq, changeId: record.changeId });
  }

  #auditSystem(entry: { target: string; reason: string; before?: unknown; after?: unknown; outcome: 'done' | 'refused' | 'failed'; refusal?: string }): void {
    this.#authority.audit.record({ actor: 'system', role: null, action: SETPOINT_CHANGE, ...entry });
  }

  /** Runs the asset's due automatic revert, if any, audited as `system`; never throws (a failure is audited and returned). */
  #revertIfDue(assetId: string, atMs: number): { versionId: string | null; error: string | null } | null {
    const state = this.#states.get(assetId);
    if (!state?.revert || atMs < state.revert.atMs) return null;
    const before = this.#auditVersion(assetId);
    const reason = `automatic revert to ${configVersionId(assetId, state.revert.to.version)}`;
    try {
      this.#step(assetId, [{ type: 'Tick', atMs }]);
      const versionId = this.#inForce.get(assetId)!.id;
      this.#auditSystem({ target: assetId, reason, before, after: { versionId }, outcome: 'done' });
      return { versionId, error: null };
    } catch (err) {
      this.#auditSystem({ target: assetId, reason, before, outcome: 'failed', refusal: message(err) });
      return { versionId: null, error: message(err) };
    }
  }

  /** A person's command: any due automatic revert first, then the command; a refusal rejects with its reason. */
  #command(assetId: string, cmd: ChangeCommand<ProtectionConfig>): ChangeEvent<ProtectionConfig>[] {
    this.#revertIfDue(assetId, cmd.atMs);
    return this.#step(assetId, [cmd]);
  }

  /**
   * Decides the commands in order (stopping at a refusal), journals every event and the version a
   * change makes in one durable transaction, then puts that version in force. `decided` journals
   * events already decided instead (a refusal found before the backtest). Throws `ConfigChangeError`
   * for a refusal, after journaling it.
   */
  #step(assetId: string, cmds: ChangeCommand<ProtectionConfig>[], decided: ChangeEvent<unknown>[] = []): ChangeEvent<ProtectionConfig>[] {
    const before = this.#state(assetId);
    const rules = this.#rules(assetId);
    let state = before;
    const journal: Array<{ event: ChangeEvent<unknown>; changeId: string | null }> = decided.map((event) => ({ event, changeId: null }));
    for (const cmd of cmds) {
      const events = decideChange<ProtectionConfig>(state, cmd, rules);
      state = events.reduce(evolveChange, state);
      for (const event of events) journal.push({ event, changeId: this.#changeIdOf(assetId, event, cmd) });
      if (events.some((e) => e.type === 'ChangeRefused')) break;
    }
    const inForce = this.#inForce.get(assetId)!;
    const stored = this.#repo.configs.transaction(() => {
      let out: { record: ConfigVersionRecord; by: 'ChangeApplied' | 'ChangeReverted' } | null = null;
      for (const { event: e, changeId } of journal) {
        if (e.type === 'ChangeApplied' || e.type === 'ChangeReverted') {
          const by = e.type === 'ChangeReverted' && e.automatic ? 'system' : e.by;
          const record = this.#repo.configs.append({ assetId, config: e.after.config, by, reason: e.reason, changeId, parentId: inForce.id, atMs: e.atMs, expectedSeq: e.after.version });
          out = { record, by: e.type };
        }
        this.#repo.configs.appendChangeEvent({ assetId, changeId, event: e as ConfigChangeEventBody });
      }
      return out;
    });
    if (stored) this.#putInForce(assetId, before, state, stored.record, stored.by);
    else this.#states.set(assetId, state);
    const refused = journal.find((j) => j.event.type === 'ChangeRefused')?.event;
    if (refused?.type === 'ChangeRefused') throw new ConfigChangeError('VIGIL_CONFIG_CHANGE_REFUSED', `${refused.command} refused on ${assetId}: ${refused.reason}`);
    return journal.map((j) => j.event as ChangeEvent<ProtectionConfig>);
  }

  /** Tells the engine; if it refuses, commits a version restoring the configuration it still runs, and throws. */
  #putInForce(
    assetId: string,
    before: ChangeState<ProtectionConfig>,
    after: ChangeState<ProtectionConfig>,
    record: ConfigVersionRecord,
    madeBy: 'ChangeApplied' | 'ChangeReverted',
  ): void {
    try {
      this.#target.applyProtection(assetId, after.current.config, record.id);
      this.#settle(assetId, after, record);
      return;
    } catch (err) {
      const why = message(err);
      const atMs = this.#clock();
      const previousId = this.#inForce.get(assetId)!.id;
      // A failed change keeps an earlier trial's revert; a failed revert is not retried every tick.
      const revert = madeBy === 'ChangeApplied' ? before.revert : null;
      const restored = this.#repo.configs.transaction(() => {
        const reason = `${record.id} could not be put in force (${why}); the configuration of ${previousId} stays in force`;
        const r = this.#repo.configs.append({ assetId, config: before.current.config, by: 'system', reason, changeId: record.changeId, parentId: record.id, atMs, expectedSeq: record.seq + 1 });
        const failed: ApplyFailed = { type: 'ChangeApplyFailed', atMs, versionId: record.id, error: why, restoredVersionId: r.id, revert };
        this.#repo.configs.appendChangeEvent({ assetId, changeId: record.changeId, event: failed });
        return r;
      });
      this.#states.set(assetId, { current: versionOf(restored, before.current.config), pending: null, revert });
      let retag = '';
      try {
        this.#target.applyProtection(assetId, before.current.config, restored.id);
        this.#inForce.set(assetId, { id: restored.id, seq: restored.seq, changeId: restored.changeId });
      } catch (again) {
        retag = `; tagging it as ${restored.id} failed too (${message(again)}), it stays tagged ${previousId} until restart`;
      }
      throw new ConfigChangeError('VIGIL_CONFIG_APPLY_FAILED', `${record.id} could not be put in force on ${assetId}: ${why}; the configuration of ${previousId} stays in force, stored as ${restored.id}${retag}`);
    }
  }

  #state(assetId: string): ChangeState<ProtectionConfig> {
    const blocked = this.#blocked.get(assetId);
    if (blocked !== undefined) throw new ConfigChangeError('VIGIL_CONFIG_BLOCKED', `configuration changes on ${assetId} are refused until its stored configuration is repaired: ${blocked}`);
    const state = this.#states.get(assetId);
    if (!state) throw new ConfigChangeError('VIGIL_UNKNOWN_ASSET', `no configuration in force for asset ${assetId}: unknown asset, or start() was not called`);
    return state;
  }

  #rules(assetId: string): ChangeRules<unknown> {
    return { validate: (config) => this.#problems(assetId, config).errors, maxRevertAfterMs: this.#maxRevertAfterMs };
  }

  /** Every problem of a proposed configuration for this asset (see `checkProtectionConfig`). */
  #problems(assetId: string, input: unknown, opts: { channels: boolean } = { channels: true }): { config: ProtectionConfig | null; errors: string[] } {
    // Without the engine's channel list, only the channels of the configuration in force are known (not at startup: the built-in's would refuse an added one).
    const inForce = opts.channels ? this.#states.get(assetId)?.current.config.groups.flatMap((g) => g.channels) : undefined;
    const knownChannels = this.#target.channelIds?.(assetId) ?? inForce;
    return checkProtectionConfig(input, { assetId, knownFeatures: this.#knownFeatures, ...(knownChannels ? { knownChannels } : {}) });
  }

  #parse(assetId: string, input: unknown, opts?: { channels: boolean }): ProtectionConfig {
    const { config, errors } = this.#problems(assetId, input, opts);
    if (!config) throw new ConfigChangeError('VIGIL_CONFIG_INVALID', `invalid configuration for ${assetId}: ${errors.join('; ')}`, errors);
    return config;
  }

  #seqOf(assetId: string, versionId: string): number {
    const prefix = `cfg-${assetId}-`;
    const seq = versionId.startsWith(prefix) ? Number(versionId.slice(prefix.length)) : NaN;
    if (!Number.isInteger(seq) || seq < 1) throw new ConfigChangeError('VIGIL_CONFIG_CHANGE_REFUSED', `base version ${versionId} is not a configuration version of ${assetId}`);
    return seq;
  }

  /** Change ids are `chg-<assetId>-<n>`, n counting the asset's proposals, so they survive restarts without randomness. */
  #nextChangeId(assetId: string): string {
    const proposals = this.#repo.configs.changeEvents({ assetId }).filter((e) => e.type === 'ChangeProposed').length;
    return `chg-${assetId}-${proposals + 1}`;
  }

  #changeIdOf(assetId: string, e: ChangeEvent<unknown>, cmd: ChangeCommand<unknown>): string | null {
    switch (e.type) {
      case 'ChangeProposed':
        return e.proposal.id;
      case 'ChangeReverted':
        return this.#inForce.get(assetId)?.changeId ?? null;
      case 'ChangeRefused':
        return cmd.type === 'Propose' || !('id' in cmd) ? null : cmd.id;
      default:
        return e.id;
    }
  }

  #findPending(changeId: string): { assetId: string; proposal: Proposal<ProtectionConfig> } | null {
    for (const [assetId, s] of this.#states) if (s.pending?.id === changeId) return { assetId, proposal: s.pending };
    return null;
  }

  #pendingOrThrow(changeId: string): { assetId: string; proposal: Proposal<ProtectionConfig> } {
    const found = this.#findPending(changeId);
    if (!found) throw new ConfigChangeError('VIGIL_UNKNOWN_CHANGE', `no pending change ${changeId} (applied, rejected, or never proposed)`);
    return found;
  }

  #auditVersion(assetId: string): { versionId: string | null } {
    return { versionId: this.#inForce.get(assetId)?.id ?? null };
  }

}
