import { z } from 'zod';
import type { AlarmLevel } from '../contract/events';
import type { Quality } from '../contract/frame';
import type { OperatingState } from './protectionConfig';
import type { ChannelVoteStatus, QualityPolicy, VotingMode } from './voting';

/**
 * Commands, events and state of the second protection decider. The events are the protection
 * journal: each carries enough (group, channels, value, setpoint, multiplier) for an operator to
 * reconstruct why the machine tripped, or why it did not, without the raw data.
 */

/** One channel's measurements in a window. Null (or an absent feature) means "not measured", not a fault. */
export interface ChannelReading {
  channelId: string;
  quality: Quality;
  score: number | null;
  velocityMmS: number | null;
  features: Readonly<Record<string, number>>;
}

/** Evaluate one window of the asset: all its channels, at the window's end time. */
export interface EvaluateWindow {
  type: 'EvaluateWindow';
  atMs: number;
  operatingState: OperatingState;
  channels: readonly ChannelReading[];
}

/** Release a latched danger. Refused while any danger condition still holds. */
export interface ResetLatch {
  type: 'ResetLatch';
  atMs: number;
  by: string;
}

/** Inhibit trips of the asset (maintenance, sensor work): levels still change, trips are not issued. */
export interface Bypass {
  type: 'Bypass';
  atMs: number;
  by: string;
  reason: string;
}

/** End a bypass; a danger still held at that moment trips at once. */
export interface RemoveBypass {
  type: 'RemoveBypass';
  atMs: number;
  by: string;
}

/**
 * An operator's emergency stop: trips at once, whatever the levels, latched like any trip, and not
 * inhibited by a bypass (a bypass withholds automatic trips, never a person's).
 */
export interface OperatorTrip {
  type: 'OperatorTrip';
  atMs: number;
  by: string;
  reason: string;
}

/**
 * Take over a trip another engine commanded (scale-out: the asset moved to this engine after its
 * owner tripped it and died). The asset latches as that trip left it, and nothing is sent: the
 * controller already has the command, and sending it again would be a second trip for one event.
 */
export interface AdoptLatch {
  type: 'AdoptLatch';
  atMs: number;
  /** The engine that commanded the trip. */
  from: string;
  commandId: string;
  reason: string;
}

/** Every command the decider accepts: windows from the feed, the rest from operators (and a taken-over latch). */
export type ProtectionV2Command = EvaluateWindow | ResetLatch | Bypass | RemoveBypass | OperatorTrip | AdoptLatch;

const who = z.string().trim().min(1, { error: 'say who: an operator command without a name cannot be audited' });

/**
 * Schema for the operator commands, which arrive from the UI across a process boundary. A bypass
 * must say why: it disables trips, and the reason is what the next shift reads.
 */
export const ProtectionOperatorCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ResetLatch'), atMs: z.number(), by: who }),
  z.object({ type: z.literal('Bypass'), atMs: z.number(), by: who, reason: z.string().trim().min(3, { error: 'a bypass needs a reason (at least 3 characters)' }) }),
  z.object({ type: z.literal('RemoveBypass'), atMs: z.number(), by: who }),
  z.object({ type: z.literal('OperatorTrip'), atMs: z.number(), by: who, reason: z.string().trim().min(3, { error: 'an emergency stop needs a reason (at least 3 characters)' }) }),
]);

/** The two levels a group can hold. */
export type SetpointLevel = 'alert' | 'danger';

/**
 * Where a level's timer stands. `pending-on`: the voted condition holds, the on-delay runs;
 * `pending-off`: it is gone, the off-delay runs and the level is still held.
 */
export type SetpointPhase = 'off' | 'pending-on' | 'on' | 'pending-off';

/** What a setpoint saw when an event fired: the channels voting, the decisive value, the level in force. */
export interface SetpointEvidence {
  groupId: string;
  /** Channels whose good value was at or above the level this window. */
  channelIds: string[];
  /** Faulted channels counted as votes (vote-as-tripped only): a quality-driven decision, never silent. */
  faultedChannelIds: string[];
  /** The k-th highest good value (the one that decides a k-out-of-n vote); NaN when faults cast the votes. */
  value: number;
  /** The level after trip multiply, in the quantity's unit. */
  setpoint: number;
  tripMultiply: number;
}

/** A group's timer for one level moved: the journal shows when on- and off-delays started. */
export interface SetpointPhaseChanged {
  type: 'SetpointPhaseChanged';
  atMs: number;
  groupId: string;
  level: SetpointLevel;
  from: SetpointPhase;
  to: SetpointPhase;
}

/**
 * The asset's level changed. Going up, the evidence is the group that newly holds the level; going
 * down, the group that released it. `cause` is 'reset' when a LatchReset released a danger: no
 * window was seen, so the value is NaN and no channel is named.
 */
export interface LevelChanged extends SetpointEvidence {
  type: 'LevelChanged';
  atMs: number;
  from: AlarmLevel;
  to: AlarmLevel;
  /**
   * 'operator': an emergency stop took the asset to danger (groupId 'operator', value and setpoint NaN).
   * 'adopted': a trip another engine commanded, taken over with the asset (groupId 'taken-over').
   */
  cause: 'setpoint' | 'reset' | 'operator' | 'adopted';
  bypassed: boolean;
}

/**
 * A trip must be issued now. `cause` is 'bypass-removed' when a held danger trips as its bypass
 * ends; the evidence is then the first-out's, recorded when danger was reached. 'operator' is an
 * emergency stop: groupId 'operator', no channels, value and setpoint NaN.
 */
export interface TripDecided extends SetpointEvidence {
  type: 'TripDecided';
  atMs: number;
  cause: 'setpoint' | 'bypass-removed' | 'operator';
}

/** A trip would have been issued, but the asset is bypassed. */
export interface TripSuppressedByBypass extends SetpointEvidence {
  type: 'TripSuppressedByBypass';
  atMs: number;
  bypassedBy: string;
  bypassReason: string;
}

/** The first setpoint to reach danger since the asset was last below danger. */
export interface FirstOutRecorded extends SetpointEvidence {
  type: 'FirstOutRecorded';
  atMs: number;
  /** Other groups that reached danger in the same window (config order breaks the tie). */
  simultaneous: string[];
}

/** A trip another engine commanded now holds this engine's latch (see AdoptLatch). */
export interface LatchAdopted {
  type: 'LatchAdopted';
  atMs: number;
  from: string;
  commandId: string;
  reason: string;
}

/** A latched danger was released by an operator. */
export interface LatchReset {
  type: 'LatchReset';
  atMs: number;
  by: string;
}

/** A reset was refused; `reason` is shown to the operator as is. */
export interface ResetRefused {
  type: 'ResetRefused';
  atMs: number;
  by: string;
  reason: string;
  /** Danger timers not yet off. */
  holding: Array<{ groupId: string; phase: SetpointPhase; sinceMs: number | null }>;
}

/** Trips of the asset are inhibited from now on; who and why are the audit record. */
export interface Bypassed {
  type: 'Bypassed';
  atMs: number;
  by: string;
  reason: string;
}

/** Trips are enabled again. */
export interface BypassRemoved {
  type: 'BypassRemoved';
  atMs: number;
  by: string;
  bypassedSinceMs: number;
}

/** A group's vote changed because a channel is faulted or unmeasured; `note` says what the vote now is. */
export interface VoteDegraded {
  type: 'VoteDegraded';
  atMs: number;
  groupId: string;
  voting: VotingMode;
  policy: QualityPolicy;
  channels: Array<{ channelId: string; status: ChannelVoteStatus }>;
  /** Votes needed now; null when no channel counts and the group cannot alarm. */
  votesNeeded: number | null;
  channelsCounted: number;
  note: string;
}

/** Every channel of the group is back in the vote. */
export interface VoteRestored {
  type: 'VoteRestored';
  atMs: number;
  groupId: string;
  voting: VotingMode;
}

/** A channel's quality left good (or moved between stale and bad); lists what each affected group does. */
export interface SensorFaultRaised {
  type: 'SensorFaultRaised';
  atMs: number;
  channelId: string;
  quality: Exclude<Quality, 'good'>;
  groups: Array<{ groupId: string; policy: QualityPolicy }>;
}

/** A channel's quality is good again. */
export interface SensorFaultCleared {
  type: 'SensorFaultCleared';
  atMs: number;
  channelId: string;
  from: Exclude<Quality, 'good'>;
}

/** The operating state changed, and with it the asset's trip multiply (groups not multiplied stay at 1). */
export interface OperatingStateChanged {
  type: 'OperatingStateChanged';
  atMs: number;
  from: OperatingState;
  to: OperatingState;
  tripMultiply: number;
}

/** The protection journal: everything the decider ever concludes. */
export type ProtectionV2Event =
  | SetpointPhaseChanged
  | LevelChanged
  | TripDecided
  | TripSuppressedByBypass
  | FirstOutRecorded
  | LatchReset
  | LatchAdopted
  | ResetRefused
  | Bypassed
  | BypassRemoved
  | VoteDegraded
  | VoteRestored
  | SensorFaultRaised
  | SensorFaultCleared
  | OperatingStateChanged;

/** One level's timer in a group. */
export interface LevelTimer {
  phase: SetpointPhase;
  /** When the phase began (null only before the first transition). */
  sinceMs: number | null;
}

/** What the decider remembers of one setpoint group between windows. */
export interface GroupState {
  groupId: string;
  alert: LevelTimer;
  danger: LevelTimer;
  /** How each channel entered the vote, in the group's channel order; a change is a VoteDegraded/Restored. */
  votes: readonly ChannelVoteStatus[];
}

/** Plain data, so it can be stored and restored across a restart. */
export interface ProtectionV2State {
  level: AlarmLevel;
  latched: boolean;
  /** The visible bypass indicator. */
  bypass: { by: string; reason: string; sinceMs: number } | null;
  /** The first setpoint to reach danger; kept while the level is danger (a latched trip keeps it until reset). */
  firstOut: (SetpointEvidence & { atMs: number }) | null;
  operatingState: OperatingState;
  channels: ReadonlyArray<{ channelId: string; quality: Quality }>;
  groups: readonly GroupState[];
}
