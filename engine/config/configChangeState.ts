import type { ProtectionConfig } from '../protect/protectionConfig';
import { configVersionId, type ConfigVersions, type ConfigVersionSummary } from '../store/ConfigVersions';
import { evolveChange, type ChangeEvent, type ChangeState, type ConfigVersion, type Proposal } from './managedChange';
import type { BacktestSummary } from './proposalBacktest';

/** Why a configuration change did not happen; `code` is machine-readable, `problems` lists every validation message. */
export type ConfigChangeErrorCode =
  | 'VIGIL_CONFIG_CHANGE_REFUSED'
  | 'VIGIL_CONFIG_INVALID'
  | 'VIGIL_CONFIG_APPLY_FAILED'
  | 'VIGIL_CONFIG_BLOCKED'
  | 'VIGIL_UNKNOWN_ASSET'
  | 'VIGIL_UNKNOWN_CHANGE';

/**
 * A configuration change was refused (by the workflow's rules or the validation) or could not be
 * put in force. The message says which and why; the configuration in force is unchanged.
 */
export class ConfigChangeError extends Error {
  constructor(
    readonly code: ConfigChangeErrorCode,
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super(message);
    this.name = 'ConfigChangeError';
  }
}

/**
 * The service's own journal event, beside the decider's: a stored version that the engine (or the
 * startup validation) refused, and the version stored on top to restore the configuration that
 * runs. On replay it closes the pending proposal and sets the revert schedule to `revert`.
 */
export type ApplyFailed = {
  type: 'ChangeApplyFailed';
  atMs: number;
  versionId: string;
  error: string;
  restoredVersionId: string;
  revert: ChangeState<unknown>['revert'];
};

/** The parts of a stored version the service keeps for the one in force. */
export interface StoredVersion {
  id: string;
  seq: number;
  changeId: string | null;
}

/** A stored version as the decider's `ConfigVersion` (its version number is the stored seq). */
export function versionOf<C>(record: { seq: number; createdMs: number; createdBy: string; reason: string }, config: C): ConfigVersion<C> {
  return { version: record.seq, config, appliedMs: record.createdMs, appliedBy: record.createdBy, reason: record.reason };
}

/**
 * Rebuilds an asset's change state after a restart from its journal: the pending proposal and the
 * automatic-revert schedule survive, so a trial change still reverts on time. `current` is the
 * version put in force (the latest stored), which wins over the journal. The configuration a due
 * revert returns to is read from the stored, hash-checked version, not from the journal's copy;
 * configurations are re-validated with `parse`, and anything that fails is dropped with a note.
 */
export function restoreChangeState(
  configs: ConfigVersions,
  assetId: string,
  current: ConfigVersion<ProtectionConfig>,
  parse: (config: unknown) => ProtectionConfig,
): { state: ChangeState<ProtectionConfig>; notes: string[] } {
  let state: ChangeState<unknown> = { current, pending: null, revert: null };
  for (const row of configs.changeEvents({ assetId })) {
    if (row.type === 'ChangeApplyFailed') state = { ...state, pending: null, revert: (row.event as unknown as ApplyFailed).revert };
    else state = evolveChange(state, row.event as unknown as ChangeEvent<unknown>);
  }
  const notes: string[] = [];
  let revert: ChangeState<ProtectionConfig>['revert'] = null;
  if (state.revert) {
    const toId = configVersionId(assetId, state.revert.to.version);
    try {
      const record = configs.get(toId);
      if (!record) throw new Error(`${toId} is not stored`);
      revert = { atMs: state.revert.atMs, to: versionOf(record, parse(record.config)) };
    } catch (err) {
      notes.push(`the automatic revert to ${toId} due at ${state.revert.atMs} was dropped: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  let pending: ChangeState<ProtectionConfig>['pending'] = null;
  if (state.pending) {
    try {
      pending = { ...state.pending, config: parse(state.pending.config) };
    } catch (err) {
      notes.push(`pending change ${state.pending.id} was dropped: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { state: { current, pending, revert }, notes };
}

/** What `start()` did for one asset. */
export type StartOutcome =
  | { assetId: string; outcome: 'applied'; versionId: string; notes: string[] }
  | { assetId: string; outcome: 'stored-initial'; versionId: string }
  /** `inForce`: the version now in force (the built-in configuration, stored anew), or null when the asset is blocked. */
  | { assetId: string; outcome: 'refused'; versionId: string | null; reason: string; inForce: string | null };

/** A pending proposal as the approver sees it. */
export interface ProposalView {
  changeId: string;
  assetId: string;
  baseVersionId: string;
  config: ProtectionConfig;
  by: string;
  reason: string;
  proposedMs: number;
  requiresApproval: boolean;
  approvedBy: string | null;
  revertAfterMs: number | null;
  backtest: BacktestSummary | null;
}

/** A version as the history page lists it. */
export type ConfigHistoryEntry = ConfigVersionSummary & { inForce: boolean };

/** A pending proposal as the service shows it. */
export function proposalView(assetId: string, p: Proposal<ProtectionConfig>): ProposalView {
  return {
    changeId: p.id, assetId, baseVersionId: configVersionId(assetId, p.baseVersion), config: p.config, by: p.by, reason: p.reason,
    proposedMs: p.proposedMs, requiresApproval: p.requiresApproval, approvedBy: p.approvedBy, revertAfterMs: p.revertAfterMs,
    backtest: p.backtest as BacktestSummary | null,
  };
}
