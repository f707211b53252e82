import type { ChannelReading, ProtectionV2State, SetpointEvidence, SetpointLevel, SetpointPhase, VoteDegraded, VoteRestored } from './protectionEvents';
import type { PlanGroup, ProtectionPlan } from './protectionPlan';
import {
  VOTE_KN,
  channelsCounted,
  classify,
  faultVotes,
  isActive,
  isFault,
  isHeld,
  readValue,
  votesNeeded,
  type ChannelVoteStatus,
  type QualityPolicy,
  type VotingMode,
} from './voting';

/**
 * The evidence and explanations events carry. Runs only when an event fires, so unlike the trip
 * path it may allocate, sort and format text.
 */

/** The level in force for a group this window (after trip multiply), and the threshold its vote used. */
export function levelOf(g: PlanGroup, level: SetpointLevel, op: number, prevPhase: SetpointPhase): { setpoint: number; threshold: number } {
  const setpoint = level === 'alert' ? g.alertLevel[op]! : g.dangerLevel[op]!;
  return { setpoint, threshold: isActive(prevPhase) ? setpoint - g.deadband : setpoint };
}

/**
 * What group `gi` saw for `level` in this window: the channels at or above the threshold its vote
 * used, the faulted channels that voted by policy, and the decisive (k-th highest) good value.
 */
export function evidenceFor(
  plan: ProtectionPlan,
  state: ProtectionV2State,
  gi: number,
  level: SetpointLevel,
  op: number,
  channels: readonly ChannelReading[],
  slot: Int32Array,
): SetpointEvidence {
  const g = plan.groups[gi]!;
  const { setpoint, threshold } = levelOf(g, level, op, state.groups[gi]![level].phase);
  const channelIds: string[] = [];
  const faultedChannelIds: string[] = [];
  const values: number[] = [];
  let faulted = 0;
  g.channelIds.forEach((id, c) => {
    const s = slot[g.channelIndex[c]!]!;
    const r = s < 0 ? undefined : channels[s];
    const v = r === undefined ? undefined : readValue(r, g);
    const status = classify(r, v);
    if (status === 'ok') {
      values.push(v as number);
      if ((v as number) >= threshold) channelIds.push(id);
    } else if (isFault(status)) {
      faulted++;
      if (g.policy === 'vote-as-tripped') faultedChannelIds.push(id);
    }
  });
  values.sort((a, b) => b - a);
  const need = votesNeeded(g.k, channelsCounted(g.policy, values.length, faulted));
  const idx = need - 1 - faultVotes(g.policy, faulted);
  const value = Number.isFinite(need) && idx >= 0 && idx < values.length ? values[idx]! : Number.NaN;
  return { groupId: g.id, channelIds, faultedChannelIds, value, setpoint, tripMultiply: g.tripMultiply[op]! };
}

/** The VoteDegraded or VoteRestored event for group `gi`, whose channel statuses changed this window. */
export function voteEvent(
  plan: ProtectionPlan,
  gi: number,
  atMs: number,
  channels: readonly ChannelReading[],
  slot: Int32Array,
): VoteDegraded | VoteRestored {
  const g = plan.groups[gi]!;
  const statuses = g.channelIds.map((channelId, c) => {
    const s = slot[g.channelIndex[c]!]!;
    const r = s < 0 ? undefined : channels[s];
    return { channelId, status: classify(r, r === undefined ? undefined : readValue(r, g)) };
  });
  if (statuses.every((s) => s.status === 'ok')) return { type: 'VoteRestored', atMs, groupId: g.id, voting: g.voting };
  const good = statuses.filter((s) => s.status === 'ok').length;
  const faulted = statuses.filter((s) => isFault(s.status)).length;
  const counted = channelsCounted(g.policy, good, faulted);
  const need = votesNeeded(g.k, counted);
  return {
    type: 'VoteDegraded',
    atMs,
    groupId: g.id,
    voting: g.voting,
    policy: g.policy,
    channels: statuses,
    votesNeeded: Number.isFinite(need) ? need : null,
    channelsCounted: counted,
    note: describeDegradedVote(g.id, g.voting, g.policy, statuses),
  };
}

/**
 * The group that explains a level change. Going up: the first group (config order) that newly holds
 * the new level, else the first that holds it. Going down: the first group that released the old level.
 */
export function sourceGroup(
  state: ProtectionV2State,
  up: boolean,
  level: SetpointLevel,
  newPhase: readonly SetpointPhase[],
): number {
  let fallback = -1;
  for (let gi = 0; gi < newPhase.length; gi++) {
    const was = isHeld(state.groups[gi]![level].phase);
    const now = isHeld(newPhase[gi]!);
    if (up && now && !was) return gi;
    if (!up && was && !now) return gi;
    if (fallback < 0 && (up ? now : was)) fallback = gi;
  }
  return fallback < 0 ? 0 : fallback;
}

/**
 * One sentence saying what the vote has become, for the VoteDegraded event: the operator must be
 * able to read from the journal alone whether the group could still trip.
 */
export function describeDegradedVote(
  groupId: string,
  voting: VotingMode,
  policy: QualityPolicy,
  channels: ReadonlyArray<{ channelId: string; status: ChannelVoteStatus }>,
): string {
  const { k } = VOTE_KN[voting];
  const faulted = channels.filter((c) => isFault(c.status));
  const unmeasured = channels.filter((c) => c.status === 'unmeasured');
  const good = channels.length - faulted.length - unmeasured.length;
  const counted = channelsCounted(policy, good, faulted.length);
  const need = votesNeeded(k, counted);
  const list = (cs: typeof channels): string => cs.map((c) => `${c.channelId} ${c.status}`).join(', ');
  const parts: string[] = [];
  if (faulted.length > 0) parts.push(list(faulted));
  if (unmeasured.length > 0) parts.push(list(unmeasured));
  const what = parts.join('; ');
  if (need === Infinity) return `${groupId} ${voting}: ${what}; no channel can vote, the group cannot alarm or trip`;
  const effective = `${need}oo${counted}`;
  switch (policy) {
    case 'ignore-channel':
      return `${groupId} ${voting}: ${what}; voting ${effective} over the remaining good channels`;
    case 'vote-as-tripped':
      return faulted.length > 0
        ? `${groupId} ${voting}: ${what}; faulted channels vote tripped (fail-safe), ${faulted.length} of ${need} votes already cast`
        : `${groupId} ${voting}: ${what}; voting ${effective} over the measured channels`;
    case 'alarm-only':
      if (faulted.length === 0) return `${groupId} ${voting}: ${what}; voting ${effective} over the measured channels`;
      return need > good
        ? `${groupId} ${voting}: ${what}; faulted channels vote normal (alarm only): the group cannot trip until a sensor returns`
        : `${groupId} ${voting}: ${what}; faulted channels vote normal (alarm only): ${need} of the ${good} good channels must agree`;
  }
}
