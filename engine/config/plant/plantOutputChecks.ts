import { MODBUS_DEFAULT_PORT } from './plantSourceSchemas';
import { list, obj, str, unknownRef, type AssetRef, type LineOf, type PlantFinding, type SourceRef } from './rawPlant';
import type { ConfigPath } from './yamlSource';

/**
 * The output rules of a plant file. The one that matters most: when `outputs` is a list, every asset
 * must be tripped by at least one output. A machine that Vigil watches but cannot stop looks
 * protected on the console and is not; a plant that only monitors says `outputs: none` instead.
 */

const OUTPUT_KINDS = ['mqtt', 'modbus', 'opcua'];
const SOURCE_KINDS = ['mqtt', 'sparkplug', 'opcua', 'modbus'];

/** A trip output or watchdog that must go through an MQTT source (not Sparkplug, OPC UA or Modbus). */
function checkMqttSource(source: unknown, path: ConfigPath, what: string, sources: Map<string, SourceRef>, out: PlantFinding[]): void {
  const id = str(source);
  if (id === null) return;
  const ref = sources.get(id);
  if (!ref) out.push({ path, message: unknownRef('source', id, [...sources.keys()], 'sources') });
  // A source of no known kind is the schema's error, not this output's.
  else if (ref.kind !== 'mqtt' && SOURCE_KINDS.includes(ref.kind ?? '')) out.push({ path, message: `source '${id}' is a ${ref.kind} source: ${what} go through an mqtt source` });
}

/** One Modbus device: host, port and unit, as written or defaulted. */
function deviceOf(o: Record<string, unknown>): string {
  return `${String(o.host)}:${typeof o.port === 'number' ? o.port : MODBUS_DEFAULT_PORT} unit ${typeof o.unitId === 'number' ? o.unitId : 1}`;
}

/**
 * Checks outputs and watchdog against the plant's sources and assets: references resolve, each coil
 * of a device has one owner, and every asset is tripped somewhere unless the file says `outputs: none`.
 */
export function checkPlantOutputs(root: Record<string, unknown>, sources: Map<string, SourceRef>, assets: Map<string, AssetRef>, lineOf: LineOf): PlantFinding[] {
  const out: PlantFinding[] = [];
  const covered = new Set<string>();
  let coversAll = false;
  let allReadable = Array.isArray(root.outputs) && root.outputs.length > 0;
  /** device + coil → whose trip coil it is and where. */
  const coils = new Map<string, { owner: string; path: ConfigPath }>();
  const assetIds = [...assets.keys()];
  const knownAsset = (id: string, path: ConfigPath): boolean => {
    if (assets.has(id)) return true;
    out.push({ path, message: unknownRef('asset', id, assetIds, 'assets') });
    return false;
  };

  list(root.outputs).forEach((o, i) => {
    const output = obj(o);
    if (!output || typeof output.kind !== 'string' || !OUTPUT_KINDS.includes(output.kind)) {
      allReadable = false;
      return;
    }
    const at = (...rest: (string | number)[]): ConfigPath => ['outputs', i, ...rest];
    if (output.kind === 'mqtt') {
      checkMqttSource(output.source, at('source'), 'trip commands', sources, out);
      if (output.assets === undefined) coversAll = true;
      list(output.assets).forEach((a, k) => {
        const id = str(a);
        if (id !== null && knownAsset(id, at('assets', k))) covered.add(id);
      });
      return;
    }
    const map = obj(output.kind === 'modbus' ? output.coils : output.nodes);
    for (const [assetId, address] of Object.entries(map ?? {})) {
      const path = at(output.kind === 'modbus' ? 'coils' : 'nodes', assetId);
      if (knownAsset(assetId, path)) covered.add(assetId);
      if (output.kind !== 'modbus' || typeof address !== 'number') continue;
      const key = `${deviceOf(output)} coil ${address}`;
      const owner = coils.get(key);
      if (owner) out.push({ path, message: `coil ${address} of ${deviceOf(output)} is already ${owner.owner}'s trip coil (line ${lineOf(owner.path)}): each asset needs its own` });
      else coils.set(key, { owner: assetId, path });
    }
  });

  if (allReadable && !coversAll) {
    for (const [id, a] of assets) {
      if (!covered.has(id)) {
        out.push({
          path: ['assets', a.index],
          message: `asset '${id}' has no trip output: add it to an output (an mqtt output without assets trips every asset), or write outputs: none for a plant Vigil only monitors`,
        });
      }
    }
  }

  const events = obj(root.events);
  if (events) checkMqttSource(events.source, ['events', 'source'], 'events', sources, out);
  const watchdog = obj(root.watchdog);
  if (watchdog?.kind === 'mqtt') checkMqttSource(watchdog.source, ['watchdog', 'source'], 'heartbeats', sources, out);
  if (watchdog?.kind === 'modbus' && typeof watchdog.coil === 'number') {
    const owner = coils.get(`${deviceOf(watchdog)} coil ${watchdog.coil}`);
    if (owner) out.push({ path: ['watchdog', 'coil'], message: `coil ${watchdog.coil} of ${deviceOf(watchdog)} is ${owner.owner}'s trip coil (line ${lineOf(owner.path)}): the watchdog needs a coil of its own` });
  }
  return out;
}
