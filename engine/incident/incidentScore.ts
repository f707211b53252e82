import type { AlarmLevel } from '../contract/events';
import type { MomentScore, ScoreLevels, ScoreTrack } from '../contract/incidents';
import { parseProtectionConfig } from '../protect/protectionConfig';
import type { Repository } from '../store/Repository';

/** Seconds of the stored feature history (one row per channel and second). */
const SECOND_MS = 1000;
/** Level changes read back from a moment to find the one in force (several may share a millisecond). */
const LEVEL_LOOKBACK = 16;

/** What the score records need to know of an incident. */
export interface IncidentRef {
  assetId: string;
  /** The protection configuration version in force when it opened; null or 'built-in' when none was stored. */
  configVersion: string | null;
}

/**
 * The score's alert and danger levels of one channel: from the incident's configuration version
 * (its score group naming the channel), else the stored asset's own score setpoints, which is what
 * the engine's built-in configuration derives its groups from. Null when neither is stored or the
 * stored version does not parse (a reviewer then sees no levels rather than wrong ones).
 */
export function scoreLevels(repo: Repository, inc: IncidentRef, channelId: string): ScoreLevels | null {
  const version = inc.configVersion === null ? null : repo.configs.get(inc.configVersion);
  if (version) {
    const parsed = parseProtectionConfig(version.config);
    if (!parsed.ok) return null;
    const group = parsed.value.groups.find((g) => g.quantity.kind === 'score' && g.channels.includes(channelId));
    return group ? { alert: group.alert, danger: group.danger, groupId: group.id, configVersion: version.id } : null;
  }
  const setpoint = repo.getAsset(inc.assetId)?.config.setpoints.score;
  return setpoint ? { alert: setpoint.alert, danger: setpoint.danger, groupId: null, configVersion: null } : null;
}

const measured = (v: number | undefined): number | null => (v === undefined || Number.isNaN(v) ? null : v);

/** The channel's stored score for every whole second that overlaps [fromMs, toMs). */
export function scoreTrack(repo: Repository, inc: IncidentRef, channelId: string, fromMs: number, toMs: number): ScoreTrack {
  const startMs = Math.floor(fromMs / SECOND_MS) * SECOND_MS;
  const history = repo.history.load(inc.assetId, [channelId], startMs, Math.max(toMs, startMs + 1));
  const score = history.channels[0]!.score;
  return { channelId, startMs: history.startMs, periodMs: history.periodMs, values: Array.from(score, (v) => measured(v)), levels: scoreLevels(repo, inc, channelId) };
}

/**
 * The score and level in force at `atMs`: the stored second that holds it, and the asset's level
 * after its last level change at or before it ('normal' when none precedes it).
 */
export function scoreAt(repo: Repository, inc: IncidentRef, channelId: string, atMs: number): MomentScore {
  const secondStartMs = Math.floor(atMs / SECOND_MS) * SECOND_MS;
  const row = repo.history.load(inc.assetId, [channelId], secondStartMs, secondStartMs + SECOND_MS).channels[0]!;
  // Newest first over [.., atMs + 1): the first one at or before atMs is the change in force.
  const last = repo.listAlarmEvents({ assetId: inc.assetId, toMs: Math.floor(atMs) + 1, limit: LEVEL_LOOKBACK }).find((e) => e.atMs <= atMs);
  const level: AlarmLevel = last?.to ?? 'normal';
  return {
    secondStartMs,
    value: measured(row.score[0]),
    velocityMmS: measured(row.velocityMmS[0]),
    level,
    levelSinceMs: last?.atMs ?? null,
    levels: scoreLevels(repo, inc, channelId),
  };
}
