import type { OperatingState, ProtectionConfig, SetpointGroup } from './protectionConfig';
import type { SetpointPhase } from './protectionEvents';
import { QUANTITY_FEATURE, QUANTITY_SCORE, QUANTITY_VELOCITY, VOTE_KN, type QualityPolicy } from './voting';

/**
 * A validated config compiled for the trip path: levels already multiplied per operating state,
 * channels resolved to indices, and scratch buffers so that evaluating a window allocates nothing.
 * Compile once per config change, not per window.
 */

/** Index of each operating state in the per-state level arrays. */
export const OPERATING_INDEX: Readonly<Record<OperatingState, number>> = { running: 0, startup: 1, stopped: 2 };

/**
 * OPERATING_INDEX as comparisons, for the trip path: a keyed lookup with a string key was the
 * single most expensive line of a steady window. A state the plan does not know gets the lowest
 * levels: protection is never relaxed by accident.
 */
export function operatingIndexOf(state: OperatingState, plan: ProtectionPlan): number {
  return state === 'running' ? 0 : state === 'startup' ? 1 : state === 'stopped' ? 2 : plan.failSafeOperatingIndex;
}

/** One setpoint group, resolved for the trip path. */
export interface PlanGroup {
  readonly id: string;
  /** QUANTITY_SCORE, QUANTITY_VELOCITY or QUANTITY_FEATURE. */
  readonly quantity: number;
  /** The feature read when quantity is QUANTITY_FEATURE, else ''. */
  readonly featureName: string;
  readonly voting: SetpointGroup['voting'];
  readonly k: number;
  readonly policy: QualityPolicy;
  readonly channelIds: readonly string[];
  /** Index of each of the group's channels in the plan's channel list. */
  readonly channelIndex: Int32Array;
  /** Levels after trip multiply, by OPERATING_INDEX. */
  readonly alertLevel: Float64Array;
  readonly dangerLevel: Float64Array;
  /** Factor in force per operating state (1 where the group is not multiplied). */
  readonly tripMultiply: Float64Array;
  readonly deadband: number;
  readonly onDelayMs: number;
  readonly offDelayMs: number;
}

/** A compiled protection config with its per-window scratch; one per asset. */
export interface ProtectionPlan {
  readonly assetId: string;
  readonly config: ProtectionConfig;
  /** The asset's channels: every channel named by any group, in order of first mention. */
  readonly channelIds: readonly string[];
  readonly groups: readonly PlanGroup[];
  /** Index used for an operating state the plan does not know: the one with the lowest levels (fail-safe). */
  readonly failSafeOperatingIndex: number;
  /**
   * Per-window scratch, rewritten at the start of every evaluation before it is read, so decide stays
   * a pure function of its arguments as seen from outside. Not safe to share across threads (nothing is).
   */
  readonly scratch: {
    /** Position in the window's channels of each plan channel; -1 when the window lacks it. */
    readonly slot: Int32Array;
    readonly alertPhase: SetpointPhase[];
    readonly dangerPhase: SetpointPhase[];
    /** 1 where a group's channel statuses differ from the state's this window. */
    readonly votesChanged: Uint8Array;
  };
}

/** Compiles a parsed config (from parseProtectionConfig) into a plan. */
export function compileProtectionPlan(config: ProtectionConfig): ProtectionPlan {
  const channelIds: string[] = [];
  for (const g of config.groups) for (const c of g.channels) if (!channelIds.includes(c)) channelIds.push(c);
  const states = Object.keys(OPERATING_INDEX) as OperatingState[];
  const groups = config.groups.map((g): PlanGroup => {
    const tripMultiply = new Float64Array(states.length);
    for (const s of states) tripMultiply[OPERATING_INDEX[s]] = g.tripMultiplied ? config.tripMultiply[s] : 1;
    return {
      id: g.id,
      quantity: g.quantity.kind === 'score' ? QUANTITY_SCORE : g.quantity.kind === 'velocityMmS' ? QUANTITY_VELOCITY : QUANTITY_FEATURE,
      featureName: g.quantity.kind === 'feature' ? g.quantity.name : '',
      voting: g.voting,
      k: VOTE_KN[g.voting].k,
      policy: g.qualityPolicy,
      channelIds: [...g.channels],
      channelIndex: Int32Array.from(g.channels, (c) => channelIds.indexOf(c)),
      alertLevel: tripMultiply.map((m) => g.alert * m),
      dangerLevel: tripMultiply.map((m) => g.danger * m),
      tripMultiply,
      deadband: g.deadband,
      onDelayMs: g.onDelayMs,
      offDelayMs: g.offDelayMs,
    };
  });
  let failSafe = 0;
  for (const s of states) if (config.tripMultiply[s] < config.tripMultiply[states[failSafe]!]) failSafe = OPERATING_INDEX[s];
  return {
    assetId: config.assetId,
    config,
    channelIds,
    groups,
    failSafeOperatingIndex: failSafe,
    scratch: {
      slot: new Int32Array(channelIds.length),
      alertPhase: groups.map(() => 'off' as SetpointPhase),
      dangerPhase: groups.map(() => 'off' as SetpointPhase),
      votesChanged: new Uint8Array(groups.length),
    },
  };
}
