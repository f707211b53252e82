import { AssetConfigSchema, type AssetConfig, type Bearing } from '../../contract/asset';
import { defectMultiples } from '../../features/defectMultiples';
import { builtInProtection, ProtectionConfigError } from '../../monitor/assetProtection';
import { protectionConfigSchema } from '../../protect/protectionConfig';
import { DEFAULT_HOP_FRACTION, DEFAULT_MAX_FRAME_WINDOWS, type PlantAsset, type PlantBearingGeometry } from './plantAssetSchema';
import type { PlantFinding } from './rawPlant';
import { validateWithFindings } from './validateWithFindings';
import type { ConfigPath } from './yamlSource';

/**
 * From a plant file's asset to the engine's AssetConfig, and the engine's own checks on the result.
 * Why check again after the plant schema: the engine refuses at start what its contract and its
 * protection compiler refuse, and a plant file that loads must not be one the engine then rejects
 * with no line to point at.
 */

function hasDuplicateChannels(asset: PlantAsset): boolean {
  const ids = [...asset.channels, ...(asset.vectorChannels ?? [])].map((c) => c.id);
  return new Set(ids).size !== ids.length;
}

/**
 * The engine's configuration of `asset`, or null when it cannot be built: its bearing is not in the
 * catalogue, its speed is given twice or not at all, or two of its channels share an id (the
 * cross-field checks report each).
 * Defect multiples are filled from geometry when the maker's are absent, as the demo plant does, so
 * every consumer uses the same BSF convention.
 */
export function toAssetConfig(asset: PlantAsset, bearings: Readonly<Record<string, PlantBearingGeometry>> | undefined): AssetConfig | null {
  const geometry = typeof asset.bearing === 'string' ? (bearings && Object.hasOwn(bearings, asset.bearing) ? bearings[asset.bearing] : undefined) : asset.bearing;
  if (!geometry) return null;
  if ((asset.nominalShaftHz === undefined) === (asset.nominalRpm === undefined)) return null;
  if (hasDuplicateChannels(asset)) return null;
  const { multiples, rollingElements, rollerDiameterMm, pitchDiameterMm, contactAngleDeg } = geometry;
  const name = typeof asset.bearing === 'string' ? asset.bearing : asset.bearing.name;
  const bearing: Bearing = { name, rollingElements, rollerDiameterMm, pitchDiameterMm, contactAngleDeg };
  const config: AssetConfig = {
    assetId: asset.id,
    name: asset.name,
    bearing: { ...bearing, multiples: multiples ?? defectMultiples(bearing) },
    nominalShaftHz: asset.nominalShaftHz ?? asset.nominalRpm! / 60,
    channels: asset.channels.map((c) => ({
      channelId: c.id,
      sampleRateHz: c.sampleRateHz,
      windowSize: c.windowSize,
      hopSize: c.hopSize ?? Math.max(1, Math.round(c.windowSize * DEFAULT_HOP_FRACTION)),
      maxFrameSamples: c.maxFrameSamples ?? c.windowSize * DEFAULT_MAX_FRAME_WINDOWS,
    })),
    setpoints: asset.setpoints,
    commissioningWindows: asset.commissioningWindows,
  };
  if (asset.vectorChannels) {
    config.vectorChannels = asset.vectorChannels.map(({ id, source: _source, ...rest }) => ({ channelId: id, ...rest }));
  }
  if (asset.protection !== undefined) config.protection = asset.protection;
  if (asset.learning) config.learning = asset.learning;
  return config;
}

/** Stands in for a bearing the cross-field checks refused (a 6205's geometry: any valid one would do). */
const STAND_IN_BEARING = { name: 'stand-in', rollingElements: 9, rollerDiameterMm: 7.94, pitchDiameterMm: 39.04, contactAngleDeg: 0 };

/**
 * `asset` with stand-ins for what toAssetConfig cannot resolve (a bearing not in the catalogue, a
 * speed given twice or not at all, a channel id used twice: the first channel of an id is kept).
 * The cross-field checks report those; the stand-ins let the engine's checks report the asset's
 * other problems in the same run. Never used to run a plant.
 */
export function withStandIns(asset: PlantAsset): PlantAsset {
  const shaftHz = asset.nominalShaftHz ?? (asset.nominalRpm === undefined ? 1 : asset.nominalRpm / 60);
  const seen = new Set<string>();
  const firstOfId = (c: { id: string }): boolean => {
    if (seen.has(c.id)) return false;
    seen.add(c.id);
    return true;
  };
  return {
    ...asset,
    bearing: typeof asset.bearing === 'string' ? STAND_IN_BEARING : asset.bearing,
    nominalShaftHz: shaftHz,
    nominalRpm: undefined,
    channels: asset.channels.filter(firstOfId),
    vectorChannels: asset.vectorChannels?.filter(firstOfId),
  };
}

/** An AssetConfig path as the plant file writes it (`assetId` is `id`, rpm stands for Hz, …). */
function filePath(path: ConfigPath, asset: PlantAsset): ConfigPath {
  const [head, index, field, ...rest] = path;
  if (head === 'assetId') return ['id'];
  if ((head === 'channels' || head === 'vectorChannels') && field === 'channelId') return [head, index!, 'id', ...rest];
  if (head === 'nominalShaftHz' && asset.nominalShaftHz === undefined) return ['nominalRpm'];
  if (head === 'bearing' && typeof asset.bearing === 'string') return ['bearing'];
  return path;
}

/** `groups[2] 'bpfo'.channels: …` (the protection compiler's wording) as a finding at that field. */
function protectionFinding(text: string): PlantFinding {
  const m = /^groups\[(\d+)\](?: '[^']*')?(?:\.(\w+))?: (.*)$/s.exec(text);
  if (!m) return { path: ['protection'], message: text };
  return { path: ['protection', 'groups', Number(m[1]), ...(m[2] ? [m[2]] : [])], message: m[3]! };
}

/**
 * Everything the engine would refuse in `config`, at paths of the plant file's `asset` (relative to
 * the asset): the contract's schema, then the protection config, given or derived from setpoints.
 */
export function checkAssetConfig(config: AssetConfig, asset: PlantAsset): PlantFinding[] {
  const contract = validateWithFindings(AssetConfigSchema, config);
  if (!contract.ok) return contract.findings.map((f) => ({ ...f, path: filePath(f.path, asset) }));
  if (asset.protection !== undefined) {
    const own = typeof asset.protection === 'object' && asset.protection !== null && !Array.isArray(asset.protection) ? { assetId: config.assetId, ...asset.protection } : asset.protection;
    const parsed = validateWithFindings(protectionConfigSchema(), own, ['protection']);
    if (!parsed.ok) return parsed.findings;
  }
  try {
    builtInProtection(config);
    return [];
  } catch (err) {
    if (!(err instanceof ProtectionConfigError)) throw err;
    const found = err.errors.map(protectionFinding);
    return asset.protection === undefined ? found.map((f) => ({ ...f, path: ['setpoints'] })) : found;
  }
}
