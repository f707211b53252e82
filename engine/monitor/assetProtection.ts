import type { AssetConfig, Setpoint } from '../contract/asset';
import type { SetpointSource } from '../contract/events';
import type { FeatureSet } from '../contract/features';
import { relativeFeatures, DIAG_FEATURES } from '../diagnose/relativeFeatures';
import { parseProtectionConfig, PROTECTION_FEATURE_NAMES, type ProtectionConfig, type Quantity, type SetpointGroupInput } from '../protect/protectionConfig';

/**
 * The protection configuration of one asset: its own voted config (AssetConfig.protection) when
 * given, otherwise derived from the simple `setpoints` form. Checked against the asset as well as
 * on its own: a group naming a channel the asset does not have would never vote, which is a silent
 * miss, so it is an error here.
 */

/** The configuration version of a config that no managed change has replaced yet. */
export const BUILT_IN_CONFIG_VERSION = 'built-in';

/** A protection config that does not fit its asset; every message names the group at fault. */
export class ProtectionConfigError extends Error {
  readonly code = 'VIGIL_PROTECTION_CONFIG';
  constructor(
    readonly assetId: string,
    readonly errors: readonly string[],
  ) {
    super(`protection config of ${assetId} is invalid:\n  ${errors.join('\n  ')}`);
    this.name = 'ProtectionConfigError';
  }
}

/**
 * A window period in ms: the hop of a waveform channel, the snapshot period of a vector channel.
 * An on-delay of n windows becomes (n − ½) periods, so it completes on the (n+1)-th consecutive
 * window whatever the rounding of window end times (see protectionV2.ts: delays are times).
 */
function periodMs(asset: AssetConfig, channelId: string): number {
  const ch = asset.channels.find((c) => c.channelId === channelId);
  if (ch) return (ch.hopSize * 1000) / ch.sampleRateHz;
  return asset.vectorChannels?.find((c) => c.channelId === channelId)?.periodMs ?? 1000;
}

function delayMs(windows: number, period: number): number {
  return windows === 0 ? 0 : (windows - 0.5) * period;
}

function derivedGroup(id: string, quantity: Quantity, sp: Setpoint, channelId: string, period: number): SetpointGroupInput {
  return {
    id,
    quantity,
    alert: sp.alert,
    danger: sp.danger,
    onDelayMs: delayMs(sp.onDelayWindows, period),
    voting: '1oo1',
    channels: [channelId],
    // A faulted sensor raises a visible sensor fault and alarms; it never trips on its own.
    qualityPolicy: 'alarm-only',
  };
}

/**
 * The simple form as voted groups: per channel, one 1oo1 group on the score and (waveform
 * channels) one on velocity; ids are 'score' and 'velocity' for a one-channel asset, else
 * 'score.<channel>' and 'velocity.<channel>'.
 */
function derivedConfig(asset: AssetConfig): unknown {
  const all = [...asset.channels.map((c) => c.channelId), ...(asset.vectorChannels ?? []).map((c) => c.channelId)];
  const name = (q: string, ch: string) => (all.length === 1 ? q : `${q}.${ch}`);
  const groups: SetpointGroupInput[] = [];
  for (const ch of all) groups.push(derivedGroup(name('score', ch), { kind: 'score' }, asset.setpoints.score, ch, periodMs(asset, ch)));
  for (const c of asset.channels) groups.push(derivedGroup(name('velocity', c.channelId), { kind: 'velocityMmS' }, asset.setpoints.velocityMmS, c.channelId, periodMs(asset, c.channelId)));
  return { assetId: asset.assetId, groups };
}

/** Checks what only the asset knows: channels exist, velocity is measured on waveform channels. */
function assetErrors(asset: AssetConfig, cfg: ProtectionConfig): string[] {
  const waveform = new Set(asset.channels.map((c) => c.channelId));
  const vector = new Set((asset.vectorChannels ?? []).map((c) => c.channelId));
  const errors: string[] = [];
  cfg.groups.forEach((g, i) => {
    for (const ch of g.channels) {
      if (!waveform.has(ch) && !vector.has(ch)) errors.push(`groups[${i}] '${g.id}'.channels: asset ${asset.assetId} has no channel '${ch}' (it has ${[...waveform, ...vector].join(', ')})`);
      else if (g.quantity.kind !== 'score' && vector.has(ch)) errors.push(`groups[${i}] '${g.id}'.channels: '${ch}' is a feature-vector channel; only the score is measured there`);
    }
  });
  return errors;
}

/**
 * Parses `input` (a protection config for `asset`, assetId optional) and checks it against the
 * asset. Throws ProtectionConfigError listing every problem.
 */
export function parseAssetProtection(asset: AssetConfig, input: unknown): ProtectionConfig {
  const withId = input !== null && typeof input === 'object' && !Array.isArray(input) ? { assetId: asset.assetId, ...input } : input;
  if (withId !== null && typeof withId === 'object' && 'assetId' in withId && withId.assetId !== asset.assetId) {
    throw new ProtectionConfigError(asset.assetId, [`assetId: the config is for '${String(withId.assetId)}', not '${asset.assetId}'`]);
  }
  const r = parseProtectionConfig(withId, PROTECTION_FEATURE_NAMES);
  if (!r.ok) throw new ProtectionConfigError(asset.assetId, r.errors);
  const errors = assetErrors(asset, r.value);
  if (errors.length > 0) throw new ProtectionConfigError(asset.assetId, errors);
  return r.value;
}

/** The asset's built-in protection config: its own, or the one derived from its setpoints. */
export function builtInProtection(asset: AssetConfig): ProtectionConfig {
  return parseAssetProtection(asset, asset.protection ?? derivedConfig(asset));
}

/** The contract's name for a group's quantity. */
export function sourceOf(cfg: ProtectionConfig, groupId: string): SetpointSource {
  const kind = cfg.groups.find((g) => g.id === groupId)?.quantity.kind;
  return kind === 'velocityMmS' ? 'velocity' : kind === 'feature' ? 'feature' : 'score';
}

/** Whether any group reads a named feature (only then are feature records built per window). */
export function readsFeatures(cfg: ProtectionConfig): boolean {
  return cfg.groups.some((g) => g.quantity.kind === 'feature');
}

/** The named features a group may read, from one window's feature set. */
export function featureRecord(fs: FeatureSet): Record<string, number> {
  const rel = relativeFeatures(fs);
  const out: Record<string, number> = { kurtosis: fs.kurtosis, skewness: fs.skewness, crest: fs.crest, rms_g: fs.rmsG, peak_g: fs.peakG };
  DIAG_FEATURES.forEach((n, i) => (out[n] = rel[i]!));
  return out;
}
