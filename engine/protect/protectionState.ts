import type { Quality } from '../contract/frame';
import type { GroupState, LevelTimer, ProtectionV2State } from './protectionEvents';
import type { ProtectionPlan } from './protectionPlan';
import type { ChannelVoteStatus } from './voting';

/**
 * Constructors for the decider's state. Every state object is built here, with its fields always
 * in the same order, so the engine sees one object shape however the state evolved: object spreads
 * and computed keys in `evolve` gave each event kind its own shape and made the trip path
 * megamorphic, halving the windows decided per second after a few alarms.
 */

/** The state with some fields replaced. */
export function stateWith(s: ProtectionV2State, p: Partial<ProtectionV2State>): ProtectionV2State {
  return {
    level: p.level ?? s.level,
    latched: p.latched ?? s.latched,
    bypass: 'bypass' in p ? (p.bypass ?? null) : s.bypass,
    firstOut: 'firstOut' in p ? (p.firstOut ?? null) : s.firstOut,
    operatingState: p.operatingState ?? s.operatingState,
    channels: p.channels ?? s.channels,
    groups: p.groups ?? s.groups,
  };
}

/** A level timer. */
export function timer(phase: LevelTimer['phase'], sinceMs: number | null): LevelTimer {
  return { phase, sinceMs };
}

/** A group's state. */
export function groupState(groupId: string, alert: LevelTimer, danger: LevelTimer, votes: readonly ChannelVoteStatus[]): GroupState {
  return { groupId, alert, danger, votes };
}

/** A channel's last quality. */
export function channelState(channelId: string, quality: Quality): { channelId: string; quality: Quality } {
  return { channelId, quality };
}

/** The state of an asset that has seen no window: normal, running, all channels good, no timer running. */
export function initialProtectionV2State(plan: ProtectionPlan): ProtectionV2State {
  return stateWith(
    {
      level: 'normal',
      latched: false,
      bypass: null,
      firstOut: null,
      operatingState: 'running',
      channels: plan.channelIds.map((id) => channelState(id, 'good')),
      groups: plan.groups.map((g) => groupState(g.id, timer('off', null), timer('off', null), g.channelIds.map((): ChannelVoteStatus => 'ok'))),
    },
    {},
  );
}
