import { checkPlantOutputs } from './plantOutputChecks';
import { list, obj, str, unknownRef, type AssetRef, type LineOf, type PlantFinding, type SourceRef } from './rawPlant';
import type { ConfigPath } from './yamlSource';

/**
 * Rules between fields of a plant file: ids unique, references that resolve, sources that can carry
 * what names them. They run on the raw value, next to the schema and not after it, so a file with a
 * wrong type on line 12 and a duplicate asset on line 80 hears about both at once. Every accessor
 * here is therefore tolerant: a part that is malformed is skipped (the schema reports it).
 */

/** Ids in a list, first occurrence kept; later ones are duplicates reported with both lines. */
function uniqueIds(items: unknown[], base: string, what: string, lineOf: LineOf, out: PlantFinding[]): Map<string, number> {
  const byId = new Map<string, number>();
  items.forEach((item, i) => {
    const id = str(obj(item)?.id);
    if (id === null) return;
    const first = byId.get(id);
    if (first === undefined) byId.set(id, i);
    else out.push({ path: [base, i, 'id'], message: `duplicate ${what} id '${id}': ${base}[${first}] on line ${lineOf([base, first, 'id'])} has it too` });
  });
  return byId;
}

function checkSourceFields(s: Record<string, unknown>, i: number, out: PlantFinding[]): void {
  if (s.kind === 'mqtt' && s.sharedGroup !== undefined && s.protocolVersion === 4) {
    out.push({ path: ['sources', i, 'sharedGroup'], message: 'shared subscriptions need MQTT 5: set protocolVersion: 5 or remove sharedGroup' });
  }
  if (s.kind !== 'modbus') return;
  list(s.registers).forEach((r, k) => {
    const reg = obj(r);
    if (!reg || typeof reg.format !== 'string') return;
    const wide = reg.format.endsWith('32');
    if (!wide && reg.wordOrder !== undefined) {
      out.push({ path: ['sources', i, 'registers', k, 'wordOrder'], message: `wordOrder applies to 32-bit formats; ${reg.format} is one register` });
    }
    if (wide && reg.address === 65535) {
      out.push({ path: ['sources', i, 'registers', k, 'address'], message: `a ${reg.format} spans two registers, and 65535 is the last one` });
    }
  });
}

function checkAsset(a: Record<string, unknown>, i: number, root: Record<string, unknown>, sources: Map<string, SourceRef>, lineOf: LineOf, out: PlantFinding[]): AssetRef {
  const at = (...rest: (string | number)[]): ConfigPath => ['assets', i, ...rest];
  if (a.nominalShaftHz === undefined && a.nominalRpm === undefined) {
    out.push({ path: at(), message: 'missing the running speed: give nominalRpm (from the nameplate) or nominalShaftHz' });
  } else if (a.nominalShaftHz !== undefined && a.nominalRpm !== undefined) {
    out.push({ path: at('nominalRpm'), message: 'give nominalRpm or nominalShaftHz, not both' });
  }
  const bearing = str(a.bearing);
  const catalogue = obj(root.bearings);
  if (bearing !== null && bearing !== '' && !(catalogue && Object.hasOwn(catalogue, bearing))) {
    out.push({
      path: at('bearing'),
      message: catalogue ? unknownRef('bearing', bearing, Object.keys(catalogue), 'bearings') : `unknown bearing '${bearing}': define it under bearings, or write the bearing out here with its geometry`,
    });
  }
  const channels: AssetRef['channels'] = new Map();
  const firstLine = new Map<string, number>();
  for (const group of ['channels', 'vectorChannels'] as const) {
    list(a[group]).forEach((c, k) => {
      const chan = obj(c);
      const id = str(chan?.id);
      if (!chan || id === null) return;
      const line = firstLine.get(id);
      if (line !== undefined) out.push({ path: at(group, k, 'id'), message: `duplicate channel id '${id}' on this asset: already on line ${line}` });
      else firstLine.set(id, lineOf(at(group, k, 'id')));
      const source = str(chan.source);
      if (group === 'channels' && line === undefined) channels.set(id, { path: at(group, k), source, sampleRateHz: chan.sampleRateHz });
      if (source === null) return;
      const ref = sources.get(source);
      if (!ref) out.push({ path: at(group, k, 'source'), message: unknownRef('source', source, [...sources.keys()], 'sources') });
      else if (ref.kind === 'modbus') {
        out.push({ path: at(group, k, 'source'), message: `source '${source}' is a Modbus device, which carries slow values, not waveforms or feature vectors: use an mqtt, sparkplug or opcua source` });
      }
    });
  }
  return { index: i, channels };
}

/** OPC UA nodes, Sparkplug metrics and Modbus registers: known assets, declared waveform channels, each channel fed once. */
function checkFeeds(rawSources: unknown[], sources: Map<string, SourceRef>, assets: Map<string, AssetRef>, lineOf: LineOf, out: PlantFinding[]): void {
  const fedAt = new Map<string, ConfigPath>();
  const waveformNodes = new Set<string>();
  rawSources.forEach((raw, i) => {
    const s = obj(raw);
    const sourceId = str(s?.id);
    const feeds = s?.kind === 'opcua' ? 'nodes' : s?.kind === 'sparkplug' ? 'metrics' : s?.kind === 'modbus' ? 'registers' : null;
    const followed = s?.kind === 'sparkplug' && Array.isArray(s.edgeNodes) ? s.edgeNodes.map(str) : null;
    // A source whose id an earlier one holds is reported as a duplicate; what it feeds is moot.
    if (!s || feeds === null || (sourceId !== null && sources.get(sourceId)?.index !== i)) return;
    list(s[feeds]).forEach((f, k) => {
      const feed = obj(f);
      const assetId = str(feed?.assetId);
      const channelId = str(feed?.channelId);
      if (!feed || assetId === null || channelId === null) return;
      const path: ConfigPath = ['sources', i, feeds, k];
      const edgeNode = str(feed.edgeNode);
      if (followed && edgeNode !== null && !followed.includes(edgeNode)) {
        out.push({ path: [...path, 'edgeNode'], message: `edge node '${edgeNode}' is not among this source's edgeNodes (${followed.join(', ')}): its data would never be read` });
      }
      const asset = assets.get(assetId);
      if (!asset) {
        out.push({ path: [...path, 'assetId'], message: unknownRef('asset', assetId, [...assets.keys()], 'assets') });
        return;
      }
      const key = `${assetId}/${channelId}`;
      const earlier = fedAt.get(key);
      if (earlier) out.push({ path: [...path, 'channelId'], message: `${key} is already fed by ${feedName(earlier)} on line ${lineOf(earlier)}` });
      else fedAt.set(key, path);
      const declared = asset.channels.get(channelId);
      if (feed.kind === 'waveform') {
        waveformNodes.add(`${sourceId}\u0000${key}`);
        if (!declared) out.push({ path: [...path, 'channelId'], message: `asset '${assetId}' has no waveform channel '${channelId}': declare it under the asset's channels with source ${sourceId ?? '?'}` });
        else if (declared.source !== sourceId) out.push({ path: [...path, 'channelId'], message: `channel ${key} takes its waveform from source '${declared.source ?? '?'}' (line ${lineOf(declared.path)}), not from this one` });
        else if (typeof feed.sampleRateHz === 'number' && typeof declared.sampleRateHz === 'number' && feed.sampleRateHz !== declared.sampleRateHz) {
          out.push({ path: [...path, 'sampleRateHz'], message: `${feed.sampleRateHz} Hz differs from channel ${key} (${declared.sampleRateHz} Hz on line ${lineOf(declared.path)})` });
        }
      } else if (declared) {
        out.push({ path: [...path, 'channelId'], message: `${key} is a waveform channel (line ${lineOf(declared.path)}): a ${FEED_NAME[feeds]} feeds a slow value, give it a channel id of its own` });
      }
    });
  });
  // A waveform channel on an OPC UA or Sparkplug source needs the node or metric it is read from.
  const kindOf = new Map(rawSources.map((s) => [str(obj(s)?.id), str(obj(s)?.kind)]));
  for (const [assetId, asset] of assets) {
    for (const [channelId, c] of asset.channels) {
      const kind = c.source === null ? null : kindOf.get(c.source);
      if ((kind === 'opcua' || kind === 'sparkplug') && !waveformNodes.has(`${c.source}\u0000${assetId}/${channelId}`)) {
        const [label, item, items] = kind === 'opcua' ? ['OPC UA', 'node', 'nodes'] : ['Sparkplug', 'metric', 'metrics'];
        out.push({ path: [...c.path, 'source'], message: `${label} source '${c.source}' has no waveform ${item} for ${assetId}/${channelId}: add one to its ${items}` });
      }
    }
  }
}

/** What one entry of each feed list is called in a message. */
const FEED_NAME = { nodes: 'value node', metrics: 'value metric', registers: 'register' } as const;

function feedName(path: ConfigPath): string {
  return `sources[${String(path[1])}].${String(path[2])}[${String(path[3])}]`;
}

/**
 * Every cross-field rule of a plant file, on its raw value. See plantConfigSchema.ts for the fields;
 * the output rules (which assets trip where, coils, watchdog) are in plantOutputChecks.ts.
 */
export function crossCheckPlant(raw: unknown, lineOf: LineOf): PlantFinding[] {
  const root = obj(raw);
  if (!root) return [];
  const out: PlantFinding[] = [];
  const rawSources = list(root.sources);
  const sourceIndex = uniqueIds(rawSources, 'sources', 'source', lineOf, out);
  const sources = new Map<string, SourceRef>([...sourceIndex].map(([id, index]) => [id, { index, kind: str(obj(rawSources[index])?.kind) }]));
  rawSources.forEach((s, i) => {
    const src = obj(s);
    if (src) checkSourceFields(src, i, out);
  });
  const rawAssets = list(root.assets);
  const assetIndex = uniqueIds(rawAssets, 'assets', 'asset', lineOf, out);
  const assets = new Map<string, AssetRef>();
  rawAssets.forEach((a, i) => {
    const asset = obj(a);
    if (!asset) return;
    const ref = checkAsset(asset, i, root, sources, lineOf, out);
    const id = str(asset.id);
    if (id !== null && assetIndex.get(id) === i) assets.set(id, ref);
  });
  checkFeeds(rawSources, sources, assets, lineOf, out);
  out.push(...checkPlantOutputs(root, sources, assets, lineOf));
  return out;
}
