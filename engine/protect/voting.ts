import type { ChannelReading, ProtectionV2State, SetpointPhase } from './protectionEvents';
import type { PlanGroup, ProtectionPlan } from './protectionPlan';

/**
 * k-out-of-n voting, sensor-quality policies and the level timers: everything the decider does to a
 * window before deciding what to report. Kept in one module, allocation-free and free of calls into
 * other modules, because this is the trip path and a backtest runs it tens of millions of times
 * (a module boundary costs a property load per call under some loaders, vitest's among them).
 */

/** Voting modes of API 670 machinery protection: k channels out of n must agree. */
export const VOTING_MODES = ['1oo1', '1oo2', '2oo2', '2oo3'] as const;
/** A k-out-of-n voting mode. */
export type VotingMode = (typeof VOTING_MODES)[number];

/** k and n of each mode; the group must list exactly n channels (validated in the config). */
export const VOTE_KN: Readonly<Record<VotingMode, { readonly k: number; readonly n: number }>> = {
  '1oo1': { k: 1, n: 1 },
  '1oo2': { k: 1, n: 2 },
  '2oo2': { k: 2, n: 2 },
  '2oo3': { k: 2, n: 3 },
};

/**
 * What a group does with a channel whose data cannot be trusted (stale, bad, or a non-finite value):
 * - `ignore-channel`: the vote is re-formed over the remaining good channels, k capped at their
 *   number (2oo3 → 2oo2 → 1oo1), so protection continues with less redundancy;
 * - `vote-as-tripped`: the faulted channel counts as a vote for alert and danger (fail-safe: a lost
 *   sensor on a 1oo1 group trips the machine);
 * - `alarm-only`: the faulted channel votes normal and raises a sensor fault; it can never cause
 *   a trip, at the price of a 2oo2 group being unable to trip until the sensor returns.
 */
export const QUALITY_POLICIES = ['ignore-channel', 'vote-as-tripped', 'alarm-only'] as const;
/** What a group does with a faulted channel. */
export type QualityPolicy = (typeof QUALITY_POLICIES)[number];

/**
 * How one channel entered one group's vote in a window. `unmeasured` (the quantity is null or
 * absent, e.g. the learned score while the model commissions) is not a sensor fault: the channel is
 * left out of the vote under every policy, otherwise vote-as-tripped would trip every commissioning
 * machine. `stale`, `bad` and `non-finite` are faults and follow the group's policy.
 */
export type ChannelVoteStatus = 'ok' | 'unmeasured' | 'stale' | 'bad' | 'non-finite';

/** True for the statuses the group's quality policy applies to. */
export function isFault(status: ChannelVoteStatus): boolean {
  return status === 'stale' || status === 'bad' || status === 'non-finite';
}

/** Channels whose vote counts under the policy: good ones, plus faulted ones unless they are ignored. */
export function channelsCounted(policy: QualityPolicy, good: number, faulted: number): number {
  return policy === 'ignore-channel' ? good : good + faulted;
}

/**
 * Votes needed this window: k, capped at the channels counted so that a degraded vote can still be
 * met (a 2oo2 group with one channel ignored becomes 1oo1, not "never"). Infinity when no channel
 * counts: the group cannot alarm, which VoteDegraded states in words.
 */
export function votesNeeded(k: number, counted: number): number {
  return counted === 0 ? Infinity : k < counted ? k : counted;
}

/** Votes the faulted channels add: all of them under vote-as-tripped, none otherwise. */
export function faultVotes(policy: QualityPolicy, faulted: number): number {
  return policy === 'vote-as-tripped' ? faulted : 0;
}

/** Which value of a ChannelReading a group reads: numbers, so the trip path branches on a small integer. */
export const QUANTITY_SCORE = 0;
/** See QUANTITY_SCORE. */
export const QUANTITY_VELOCITY = 1;
/** See QUANTITY_SCORE. */
export const QUANTITY_FEATURE = 2;

/** The group's quantity in a reading; null or undefined when it is not measured. */
export function readValue(r: ChannelReading, g: PlanGroup): number | null | undefined {
  return g.quantity === QUANTITY_SCORE ? r.score : g.quantity === QUANTITY_VELOCITY ? r.velocityMmS : r.features[g.featureName];
}

/** How a reading enters the vote; `r` undefined means the window did not carry the channel (stale). */
export function classify(r: ChannelReading | undefined, v: number | null | undefined): ChannelVoteStatus {
  if (r === undefined) return 'stale';
  if (r.quality !== 'good') return r.quality;
  if (v === null || v === undefined) return 'unmeasured';
  // v - v is 0 for every finite number and NaN for NaN and ±Infinity.
  return v - v === 0 ? 'ok' : 'non-finite';
}

/** True while a level is held: on, or off-delayed. */
export function isHeld(phase: SetpointPhase): boolean {
  return phase === 'on' || phase === 'pending-off';
}

/** True while the voted condition is on, which is when the deadband applies: pending-on or on. */
export function isActive(phase: SetpointPhase): boolean {
  return phase === 'pending-on' || phase === 'on';
}

/** The next phase of one level's timer given this window's voted condition. */
export function nextPhase(phase: SetpointPhase, cond: boolean, atMs: number, sinceMs: number | null, onDelayMs: number, offDelayMs: number): SetpointPhase {
  switch (phase) {
    case 'off':
      return cond ? (onDelayMs === 0 ? 'on' : 'pending-on') : 'off';
    case 'pending-on':
      return !cond ? 'off' : atMs - (sinceMs ?? atMs) >= onDelayMs ? 'on' : 'pending-on';
    case 'on':
      return cond ? 'on' : offDelayMs === 0 ? 'off' : 'pending-off';
    case 'pending-off':
      return cond ? 'on' : atMs - (sinceMs ?? atMs) >= offDelayMs ? 'off' : 'pending-off';
  }
}

/** voteWindow result bit: some group's votes or timers changed, so the decider must build events. */
export const WINDOW_CHANGED = 1;
/** voteWindow result bit: some group holds alert. */
export const WINDOW_ALERT_HELD = 2;
/** voteWindow result bit: some group holds danger. */
export const WINDOW_DANGER_HELD = 4;

/**
 * Votes every group on one window and steps its timers, writing the next phases and whether each
 * group's channel statuses changed into `plan.scratch`. Returns WINDOW_* bits: whether anything
 * changed (only then does the decider look at the scratch to build events) and which levels are held.
 * `slot` maps plan channels to the window's; `op` indexes the per-state levels.
 */
export function voteWindow(state: ProtectionV2State, channels: readonly ChannelReading[], atMs: number, plan: ProtectionPlan, slot: Int32Array, op: number): number {
  const { alertPhase, dangerPhase, votesChanged } = plan.scratch;
  let result = 0;
  const groups = plan.groups;
  for (let gi = 0; gi < groups.length; gi++) {
    const g = groups[gi]!;
    const gs = state.groups[gi]!;
    const aPrev = gs.alert.phase;
    const dPrev = gs.danger.phase;
    const aThreshold = g.alertLevel[op]! - (isActive(aPrev) ? g.deadband : 0);
    const dThreshold = g.dangerLevel[op]! - (isActive(dPrev) ? g.deadband : 0);
    const index = g.channelIndex;
    const votes = gs.votes;
    let good = 0;
    let faulted = 0;
    let aVotes = 0;
    let dVotes = 0;
    let changed = 0;
    for (let c = 0; c < index.length; c++) {
      const s = slot[index[c]!]!;
      const r = s < 0 ? undefined : channels[s];
      const v = r === undefined ? undefined : readValue(r, g);
      const status = classify(r, v);
      if (status === 'ok') {
        good++;
        if ((v as number) >= aThreshold) aVotes++;
        if ((v as number) >= dThreshold) dVotes++;
      } else if (status !== 'unmeasured') faulted++;
      if (status !== votes[c]) changed = 1;
    }
    const need = votesNeeded(g.k, channelsCounted(g.policy, good, faulted));
    const fv = faultVotes(g.policy, faulted);
    const aNext = nextPhase(aPrev, aVotes + fv >= need, atMs, gs.alert.sinceMs, g.onDelayMs, g.offDelayMs);
    const dNext = nextPhase(dPrev, dVotes + fv >= need, atMs, gs.danger.sinceMs, g.onDelayMs, g.offDelayMs);
    alertPhase[gi] = aNext;
    dangerPhase[gi] = dNext;
    votesChanged[gi] = changed;
    if (changed === 1 || aNext !== aPrev || dNext !== dPrev) result |= WINDOW_CHANGED;
    if (isHeld(aNext)) result |= WINDOW_ALERT_HELD;
    if (isHeld(dNext)) result |= WINDOW_DANGER_HELD;
  }
  return result;
}
